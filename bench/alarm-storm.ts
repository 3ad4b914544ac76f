/**
 * The alarm storm (issue 4): CloudWatch alarm state changes, ALARM and OK mixed, on many alarms,
 * posted one per request to POST /_local/events by 16 concurrent clients and run through the
 * template's rules into the event-ingestion function. `npm run bench` runs 10,000 events on 100
 * alarms; `npx tsx bench/alarm-storm.ts` runs it on its own (STORM_EVENTS, STORM_ALARMS).
 *
 * Prints events/s, p50/p99 per event (delivery included), incidents opened (must equal the alarms
 * that went to ALARM: OK never opens one, and the example client does not resolve on OK), the
 * occurrences on them (must equal the ALARM events), dead letters, and the trend counters' total
 * (must equal the events: each counted once, in the same transaction as its record).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { httpCall } from './http-call';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { startLocalRuntime } from '../local/local-runtime';
import { issueToken } from '../local/local-tokens';
import { seededRandom } from '../test/support/seeded-random';
import sample from '../test/fixtures/eventbridge/cloudwatch-alarm-state-change.json';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const ROOT = resolve(__dirname, '..');


export interface AlarmStormOptions {
  readonly events: number;
  readonly alarms: number;
  /** @default 16 */
  readonly concurrency?: number;
  /** Share of the events that report ALARM (the rest report OK). @default 0.6 */
  readonly alarmShare?: number;
}

export async function runAlarmStorm(options: AlarmStormOptions): Promise<Record<string, unknown>> {
  const { events: EVENTS, alarms: ALARMS } = options;
  const CONCURRENCY = options.concurrency ?? 16;
  const random = seededRandom(20261126); // the same mix of states every run
  const states = Array.from({ length: EVENTS }, () => (random() < (options.alarmShare ?? 0.6) ? 'ALARM' : 'OK'));
  const localDir = mkdtempSync(join(tmpdir(), 'itsm-storm-'));
  const runtime = await startLocalRuntime({ port: 0, localDir, inMemory: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  try {
    const tag = randomUUID().slice(0, 6);
    const alarmName = (i: number) => `storm-${tag}-${String(i % ALARMS).padStart(3, '0')}`;
    const event = (i: number) => ({
      ...sample,
      id: randomUUID(),
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: [`arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarmName(i)}`],
      detail: { ...sample.detail, alarmName: alarmName(i), state: { ...sample.detail.state, value: states[i], reason: `storm event ${i}` } },
    });
    const alarmEvents = states.filter((s) => s === 'ALARM').length;
    const alarmsInAlarm = new Set(states.flatMap((s, i) => (s === 'ALARM' ? [i % ALARMS] : []))).size;
    const headers = { 'Content-Type': 'application/json' };
    // One warm-up event on an alarm of its own: the function's cold start is not the storm's.
    const warmUp = event(0);
    await httpCall(agent, runtime.url, 'POST', '/_local/events', headers, JSON.stringify({ ...warmUp, resources: ['arn:aws:cloudwatch:eu-west-2:123456789012:alarm:warm-up'], detail: { ...warmUp.detail, alarmName: 'warm-up', state: { ...warmUp.detail.state, value: 'ALARM' } } }));

    const samples: number[] = [];
    const failures: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EVENTS) {
          const i = next++;
          const t0 = performance.now();
          const r = await httpCall(agent, runtime.url, 'POST', '/_local/events', headers, JSON.stringify(event(i)));
          samples.push(performance.now() - t0);
          const result = (JSON.parse(r.body) as { results?: { errors: unknown[] }[] }).results?.[0];
          if (r.status !== 200 || !result || result.errors.length > 0) failures.push(r.body.slice(0, 300));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    samples.sort((a, b) => a - b);
    const pct = (p: number) => +samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!.toFixed(1);

    // Verification only (never on a request path): every item of the tables, by Scan.
    const documents = createDocumentClient(new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const tableOf = (prefix: string) => Object.entries(runtime.tableNames).find(([id]) => id.startsWith(prefix))![1];
    const scanAll = async (table: string) => {
      const items: Record<string, any>[] = [];
      let start: Record<string, any> | undefined;
      do {
        const page = await documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    };
    const incidents = (await scanAll(tableOf('DataIncidentsTable'))).filter((i) => i['sk'] === 'INCIDENT' && String(i['alarmArn'] ?? '').includes(`storm-${tag}-`));
    const trendsToken = await issueToken(localDir, { roles: ['agent'], user: 'bench' });
    const from = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const trends = await httpCall(agent, runtime.url, 'GET', `/events/trends?bucket=hour&from=${from}&to=${to}`, { Authorization: `Bearer ${trendsToken}` });
    const counted = (JSON.parse(trends.body) as { buckets: { total: number }[] }).buckets.reduce((sum, b) => sum + b.total, 0) - 1; // less the warm-up
    const deadLetters = (JSON.parse((await httpCall(agent, runtime.url, 'GET', '/_local/dead-letters', {})).body) as { items: unknown[] }).items.length;
    documents.destroy();

    const figures = {
      measuredAt: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length },
      events: EVENTS,
      alarmEvents,
      okEvents: EVENTS - alarmEvents,
      alarms: ALARMS,
      concurrency: CONCURRENCY,
      seconds: +seconds.toFixed(2),
      eventsPerSecond: +(EVENTS / seconds).toFixed(1),
      p50Ms: pct(50),
      p99Ms: pct(99),
      incidentsOpened: incidents.length,
      alarmsThatWentToAlarm: alarmsInAlarm,
      occurrencesOnIncidents: incidents.reduce((sum, i) => sum + Number(i['occurrenceCount'] ?? 0), 0),
      flappingIncidents: incidents.filter((i) => i['alarm']?.['flapping'] === true).length,
      trendCounted: counted,
      failedDeliveries: failures.length,
      deadLetters,
    };
    console.log(`== Alarm storm: ${EVENTS} events (${alarmEvents} ALARM, ${EVENTS - alarmEvents} OK) on ${ALARMS} alarms, ${CONCURRENCY} concurrent, through POST /_local/events ==`);
    console.log(`  ${figures.eventsPerSecond} events/s   p50 ${figures.p50Ms} ms   p99 ${figures.p99Ms} ms   (${figures.seconds} s)`);
    console.log(`  incidents opened ${figures.incidentsOpened} (expected ${alarmsInAlarm}, the alarms that went to ALARM); occurrences on them ${figures.occurrencesOnIncidents} (expected ${alarmEvents}); flapping ${figures.flappingIncidents}`);
    console.log(`  trend counters ${counted} (expected ${EVENTS}); failed deliveries ${failures.length}; dead letters ${deadLetters}`);
    if (failures.length > 0) console.log(`  first failure: ${failures[0]}`);
    return figures;
  } finally {
    agent.destroy();
    await runtime.stop();
    rmSync(localDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const figures = await runAlarmStorm({ events: Number(process.env['STORM_EVENTS'] ?? 10_000), alarms: Number(process.env['STORM_ALARMS'] ?? 100) });
  const out = join(ROOT, 'bench/results.json');
  const results = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  results['alarmStorm'] = figures;
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote alarmStorm into ${out}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
