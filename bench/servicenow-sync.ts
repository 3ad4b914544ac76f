/**
 * The ServiceNow exchange's sync lag (issue 18, "done when"), on one local runtime with the client's
 * ServiceNow map enabled against the stateful Table API fake (test/support/servicenow-fake.ts),
 * whose business rule calls the runtime's webhook after every write, ours included:
 * - out: from the moment `PATCH /incidents/{id}` is answered (the change committed here) to the
 *   moment the record there holds the new value (pushed by the outbox consumer);
 * - back: from a write there (as a person in their UI) to the moment our incident holds it
 *   (their business rule's call, read back and applied through the desk's use case);
 * for `changes` changes, half each way, at `concurrency` workers, each on its own incidents. Then
 * duplicates are counted: records there per incident, our PATCHes there beyond one per change out,
 * and incident versions here beyond one per change back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { httpCall } from './http-call';
import { startLocalRuntime } from '../local/local-runtime';
import { issueToken } from '../local/local-tokens';
import { incidentKey } from '../src/modules/incidents/adapters';
import { ServiceNowFake } from '../test/support/servicenow-fake';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServiceNowSyncFigures {
  readonly changes: number;
  readonly concurrency: number;
  readonly incidents: number;
  readonly outMs: { readonly p50: number; readonly p99: number; readonly count: number };
  readonly backMs: { readonly p50: number; readonly p99: number; readonly count: number };
  readonly duplicates: { readonly recordsThere: number; readonly writesThere: number; readonly versionsHere: number };
  readonly seconds: number;
}

export async function measureServiceNowSync(options: { readonly changes: number; readonly concurrency: number; readonly incidentsPerWorker?: number }): Promise<ServiceNowSyncFigures> {
  const started = Date.now();
  const secret = `bench-${randomUUID()}`;
  const fake = await ServiceNowFake.start({ user: 'rowe.integration', password: 'bench-secret' });
  const saved = { ...process.env };
  Object.assign(process.env, { ITSM_SERVICENOW_URL: fake.url, ITSM_SERVICENOW_USER: 'rowe.integration', ITSM_SERVICENOW_PASSWORD: 'bench-secret', ITSM_SERVICENOW_WEBHOOK_SECRET: secret });
  const localDir = mkdtempSync(join(tmpdir(), 'itsm-bench-sn-'));
  // Function errors are printed (a failed sync must not pass unseen); the rest of their logs is not.
  const runtime = await startLocalRuntime({
    port: 0,
    localDir,
    inMemory: true,
    functionLog: (fn, line) => {
      if (/"level":"(ERROR|WARN)"|error/i.test(line)) console.error(`  [${fn}] ${line.slice(0, 2000)}`);
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency * 2 });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const incidentsTable = Object.values(runtime.tableNames).find((n) => n.startsWith('DataIncidentsTable'))!;
  try {
    fake.setWebhook({ url: `${runtime.url}/integrations/servicenow/events`, secret });
    const admin = await issueToken(localDir, { roles: ['admin'], user: 'bench-admin' });
    const desk = await issueToken(localDir, { roles: ['agent'], user: 'bench-desk' });
    const json = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
    const service = { id: 'bench', name: 'Benchmark', description: 'Incidents synced by npm run bench', status: 'live', commencementDate: '2026-01-01',
      owner: { username: 'bench-admin', name: 'Bench', email: 'bench@example.com' }, sla: { reference: 'bench' } };
    const made = await httpCall(agent, runtime.url, 'POST', '/services', json(admin), JSON.stringify(service));
    if (made.status !== 201) throw new Error(`POST /services answered ${made.status}: ${made.body}`);

    const perWorker = options.incidentsPerWorker ?? 2;
    const incidents: { id: string; sysId: string }[] = [];
    for (let i = 0; i < options.concurrency * perWorker; i++) {
      // Set-up, not measured: a cold function answering 502 is asked again (the Idempotency-Key makes one incident).
      const key = `bench-sn-${randomUUID()}`;
      const body = JSON.stringify({ shortDescription: `Bench sync ${i}`, description: 'start', impact: 3, urgency: 3, service: 'bench', category: 'software' });
      let r = await httpCall(agent, runtime.url, 'POST', '/incidents', { ...json(desk), 'Idempotency-Key': key }, body);
      for (let attempt = 0; r.status === 502 && attempt < 5; attempt++) {
        await sleep(1000);
        r = await httpCall(agent, runtime.url, 'POST', '/incidents', { ...json(desk), 'Idempotency-Key': key }, body);
      }
      if (r.status !== 201) throw new Error(`POST /incidents answered ${r.status}: ${r.body}`);
      incidents.push({ id: (JSON.parse(r.body) as { id: string }).id, sysId: '' });
    }
    // Each incident's record there, made by its create's push.
    for (const incident of incidents) {
      for (let waited = 0; !incident.sysId; waited += 20) {
        if (waited > 60_000) throw new Error(`incident ${incident.id} never reached ServiceNow`);
        incident.sysId = fake.records('incident').find((r) => r['correlation_id'] === incident.id)?.['sys_id'] ?? '';
        if (!incident.sysId) await sleep(20);
      }
    }
    await fake.settled();
    const versionOf = async (id: string) => Number((await db.send(new GetCommand({ TableName: incidentsTable, Key: incidentKey(id), ConsistentRead: true }))).Item?.['version']);
    const descriptionOf = async (id: string) => String((await db.send(new GetCommand({ TableName: incidentsTable, Key: incidentKey(id), ConsistentRead: true }))).Item?.['description']);
    const versionsBefore = new Map(await Promise.all(incidents.map(async (i) => [i.id, await versionOf(i.id)] as const)));
    const patchesBefore = fake.requests.filter((r) => r.method === 'PATCH' && r.url.startsWith('/api/now/table/incident/')).length;

    const out: number[] = [];
    const back: number[] = [];
    let next = 0;
    const worker = async (w: number) => {
      const mine = incidents.slice(w * perWorker, (w + 1) * perWorker);
      for (let k = 0; ; k++) {
        const n = next++;
        if (n >= options.changes) return;
        const incident = mine[k % mine.length]!;
        const value = `bench ${n} ${n % 2 === 0 ? 'here' : 'there'}`;
        if (n % 2 === 0) {
          const r = await httpCall(agent, runtime.url, 'PATCH', `/incidents/${incident.id}`, { ...json(desk), 'If-Match': '*' }, JSON.stringify({ description: value }));
          if (r.status !== 200) throw new Error(`PATCH answered ${r.status}: ${r.body}`);
          const committed = performance.now();
          for (let waited = 0; fake.record('incident', incident.sysId)?.['description'] !== value; waited++) {
            if (waited > 30_000) throw new Error(`change ${n} never reached ServiceNow`);
            await sleep(1);
          }
          out.push(performance.now() - committed);
        } else {
          const written = performance.now();
          fake.update('incident', incident.sysId, { description: value }, 'beth.servicedesk');
          for (let waited = 0; (await descriptionOf(incident.id)) !== value; waited++) {
            if (waited > 3_000) throw new Error(`change ${n} never came back from ServiceNow`);
            await sleep(5);
          }
          back.push(performance.now() - written);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
    // Let every call and push in flight finish before counting.
    for (let quiet = 0, last = -1; quiet < 5; ) {
      await fake.settled();
      await sleep(200);
      const seen = fake.requests.length + fake.ruleCalls.length;
      quiet = seen === last ? quiet + 1 : 0;
      last = seen;
    }

    const recordsThere = incidents.reduce((sum, i) => sum + Math.max(0, fake.records('incident').filter((r) => r['correlation_id'] === i.id).length - 1), 0);
    const patches = fake.requests.filter((r) => r.method === 'PATCH' && r.url.startsWith('/api/now/table/incident/')).length - patchesBefore;
    let versions = 0;
    for (const incident of incidents) versions += (await versionOf(incident.id)) - versionsBefore.get(incident.id)!;
    const figure = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (p: number) => +sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!.toFixed(1);
      return { p50: at(0.5), p99: at(0.99), count: sorted.length };
    };
    return {
      changes: options.changes,
      concurrency: options.concurrency,
      incidents: incidents.length,
      outMs: figure(out),
      backMs: figure(back),
      duplicates: { recordsThere, writesThere: Math.max(0, patches - out.length), versionsHere: Math.max(0, versions - back.length - out.length) },
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    agent.destroy();
    db.destroy();
    await runtime.stop();
    await fake.stop();
    rmSync(localDir, { recursive: true, force: true });
    for (const name of ['ITSM_SERVICENOW_URL', 'ITSM_SERVICENOW_USER', 'ITSM_SERVICENOW_PASSWORD', 'ITSM_SERVICENOW_WEBHOOK_SECRET']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

export function printServiceNowSync(f: ServiceNowSyncFigures): void {
  console.log(`  out  (PATCH answered here → value in the record there):  p50 ${f.outMs.p50} ms  p99 ${f.outMs.p99} ms  (${f.outMs.count} changes)`);
  console.log(`  back (written there → value on the incident here):       p50 ${f.backMs.p50} ms  p99 ${f.backMs.p99} ms  (${f.backMs.count} changes)`);
  console.log(`  duplicates: records there ${f.duplicates.recordsThere}, writes there ${f.duplicates.writesThere}, versions here ${f.duplicates.versionsHere}  (${f.changes} changes, c${f.concurrency}, ${f.incidents} incidents, ${f.seconds} s)`);
}
