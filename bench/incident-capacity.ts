/**
 * Write and read units of each incident operation, run once through the use cases and the
 * DynamoDB adapters with every call asking for ReturnConsumedCapacity INDEXES: the total, and
 * where the write units went (each table, each of its indexes). `npm run bench` prints them;
 * test/integration/write-units.test.ts holds them to the budgets against the shared DynamoDB Local.
 *
 * DynamoDB Local reports a transaction per table: twice the size of the items the transaction
 * writes there, summed and rounded up to the next KB (an index likewise, with the index entries'
 * sizes). DynamoDB itself rounds each item up on its own, so the same transaction costs more there
 * (see docs/architecture.md, "Write units"). `perItemWrite` is that: each item the call writes or
 * checks, at the larger of its size before and after (read around the call, off the count), one
 * unit per started KB, twice in a transaction; plus the index units DynamoDB Local reports (an
 * index entry is under 1 KB, 2 units in a transaction).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { itemSize, writeUnits } from './dynamodb-item-size';

const ROOT = resolve(__dirname, '..');

/** Write units by table (short name: incidents, audit, …), then `table` or the index name. */
export type WriteUnitsByTable = Record<string, Record<string, number>>;
export interface OperationUnits {
  readonly read: number;
  readonly write: number;
  readonly calls: number;
  readonly writeByTable: WriteUnitsByTable;
  /** The same writes by DynamoDB's per-item rule (each item rounded up on its own); index units as DynamoDB Local reports them. */
  readonly perItemWrite?: number;
}

type Key = Record<string, unknown>;
interface WrittenItem {
  readonly table: string;
  readonly key: Key;
  /** The item a Put writes (its size after the call without reading it back). */
  readonly item?: Key;
  readonly deleted?: boolean;
}

/** Our tables' keys: pk and sk, or id (the idempotency table). */
const keyOf = (item: Key): Key => ('pk' in item ? { pk: item['pk'], ...('sk' in item && { sk: item['sk'] }) } : { id: item['id'] });

/** The items a write call writes or checks, and whether it is a transaction. */
function writtenItems(command: string, input: Record<string, unknown>): { readonly items: readonly WrittenItem[]; readonly transactional: boolean } {
  type Action = { TableName: string; Item?: Key; Key?: Key };
  const one = (action: Action, deleted = false): WrittenItem => ({ table: action.TableName, key: action.Key ?? keyOf(action.Item!), ...(action.Item && { item: action.Item }), ...(deleted && { deleted }) });
  if (command === 'TransactWriteItemsCommand') {
    const actions = (input['TransactItems'] as Record<string, Action>[]).map((t) => Object.entries(t)[0]!);
    return { items: actions.map(([kind, action]) => one(action, kind === 'Delete')), transactional: true };
  }
  if (command === 'PutItemCommand' || command === 'UpdateItemCommand') return { items: [one(input as unknown as Action)], transactional: false };
  if (command === 'DeleteItemCommand') return { items: [one(input as unknown as Action, true)], transactional: false };
  return { items: [], transactional: false };
}

interface ReportedCapacity {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

/** The table's short name from its physical name (DataIncidentsTable0BC05C2A-… → incidents). */
const shortName = (tableName: string) => /^Data([A-Za-z]+?)Table/.exec(tableName)?.[1]?.toLowerCase() ?? tableName;

export function printCapacity(figures: Record<string, OperationUnits>, log: (line: string) => void = console.log): void {
  for (const [name, units] of Object.entries(figures)) {
    const perItem = units.perItemWrite === undefined ? '' : `  (${units.perItemWrite} by the per-item rule)`;
    log(`  ${name.padEnd(44)} read ${String(units.read).padStart(5)}  write ${String(units.write).padStart(5)}  (${units.calls} calls)${perItem}`);
    for (const [table, parts] of Object.entries(units.writeByTable)) {
      log(`    ${table.padEnd(12)} ${Object.entries(parts).map(([part, n]) => `${part} ${n}`).join(', ')}`);
    }
  }
}

/** The run-time part of a client file, as the stack passes it to the functions. */
export function pickSettings(config: Record<string, unknown>) {
  const keys = ['id', 'timeZone', 'priorityMatrix', 'slaTargets', 'priorityThresholds', 'autoCloseAfter', 'contacts', 'monitoring', 'sla', 'disasterRecoveryPlan'];
  return Object.fromEntries(keys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
}

/**
 * The incident use cases' dependencies on the DynamoDB adapters, as the incidents function builds
 * them, over `client` (whatever middleware it carries), with a live service `serviceId` to log against.
 */
export async function incidentUseCaseDeps(client: DynamoDBClient, tableNames: Readonly<Record<string, string>>, serviceId = 'capacity') {
  const incidentsTable = Object.values(tableNames).find((n) => n.startsWith('DataIncidentsTable'))!;
  const catalogueTable = Object.values(tableNames).find((n) => n.startsWith('DataCatalogueTable'))!;
  const { DynamoDbIncidentRepository } = await import('../src/modules/incidents/adapters/dynamodb-incident-repository');
  const { DynamoDbAuditTrail } = await import('../src/kernel/adapters/dynamodb-audit-trail');
  const { DynamoDbCatalogueRepository } = await import('../src/modules/catalogue/adapters/dynamodb-catalogue-repository');
  const services = new DynamoDbCatalogueRepository(createDocumentClient(client), catalogueTable);
  const owner = { username: 'bench', name: 'Bench', email: 'bench@example.com' };
  const at = new Date().toISOString();
  await services.createService({ id: serviceId, name: 'Capacity', description: 'Capacity units benchmark', owner, status: 'live', commencementDate: '2026-01-01',
    sla: { reference: 'bench' }, links: [], contacts: { nominated: [] }, createdAt: at, createdBy: 'bench', updatedAt: at, updatedBy: 'bench', version: 1 });
  const { DEFAULT_PRIORITY_MATRIX } = await import('../src/kernel/domain/priority');
  const { DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS, DEFAULT_USERS_AFFECTED_THRESHOLDS } = await import('../src/kernel/domain/priority-rules');
  const contact = { name: 'Bench', email: 'bench@example.com' };
  const auditTrail = new DynamoDbAuditTrail(createDocumentClient(client), Object.values(tableNames).find((n) => n.startsWith('DataAuditTable'))!, {
    clock: { now: () => new Date() },
    ids: { newId: () => crypto.randomUUID() },
  });
  const { DynamoDbIdempotencyMarkers } = await import('../src/kernel/adapters/dynamodb-idempotency-markers');
  const markers = new DynamoDbIdempotencyMarkers(createDocumentClient(client), Object.values(tableNames).find((n) => n.startsWith('DataIdempotencyTable'))!, { now: () => new Date() });
  // The example client's SLA policy: every write counts the incident's SLA outcome in the aggregates.
  const { clientSettingsSchema } = await import('../src/config/client-settings-schema');
  const { slaPolicyOf } = await import('../src/modules/incidents/app/sla-use-cases');
  const slaPolicy = slaPolicyOf(clientSettingsSchema.parse(pickSettings(JSON.parse(readFileSync(join(ROOT, 'clients/example.json'), 'utf8')))));
  const deps = {
    // Every change writes its audit record in its own transaction (chained later, off the request path).
    incidents: new DynamoDbIncidentRepository(createDocumentClient(client), incidentsTable, auditTrail, markers, slaPolicy),
    markers,
    services,
    clock: { now: () => new Date() },
    ids: { newId: () => crypto.randomUUID() },
    rules: { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: DEFAULT_USERS_AFFECTED_THRESHOLDS, concurrentIncidents: DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS },
    settings: { clientId: 'bench', autoCloseAfter: 'P7D', contacts: { nominated: [contact], providerNamed: contact, providerBackup: contact, serviceOwner: contact } },
    notifier: { notify: async () => undefined },
    audit: auditTrail,
  };
  const useCases = await import('../src/modules/incidents/app/incident-use-cases');
  return { deps, useCases };
}

/**
 * Runs each incident operation once through the use cases and the DynamoDB adapter, with every
 * call asking for ReturnConsumedCapacity, and adds up what DynamoDB reports.
 */
export async function measureCapacity(endpoint: string, tableNames: Readonly<Record<string, string>>): Promise<Record<string, OperationUnits>> {
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let read = 0;
  let write = 0;
  let calls = 0;
  let writeByTable: WriteUnitsByTable = {};
  let perItemTable = 0;
  let indexUnits = 0;
  // Reads around each write, to size what it wrote: a client of its own, outside the count.
  const sizing = createDocumentClient(new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const sizeOf = async (written: WrittenItem) =>
    itemSize(((await sizing.send(new GetCommand({ TableName: written.table, Key: written.key, ConsistentRead: true }))).Item ?? {}) as Key);
  const addWrite = (table: string, part: string, units: number | undefined) => {
    if (!units) return;
    const parts = (writeByTable[shortName(table)] ??= {});
    parts[part] = (parts[part] ?? 0) + units;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const isRead = /^(Get|Query|Scan|BatchGet|TransactGet)/.test(context.commandName ?? '');
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      const { items: written, transactional } = isRead ? { items: [], transactional: false } : writtenItems(context.commandName ?? '', args.input as Record<string, unknown>);
      const sizesBefore = await Promise.all(written.map(sizeOf));
      const result = await next(args);
      calls++;
      const sizesAfter = await Promise.all(written.map((w) => (w.deleted ? 0 : w.item ? itemSize(w.item) : sizeOf(w))));
      for (let i = 0; i < written.length; i++) perItemTable += (transactional ? 2 : 1) * writeUnits(Math.max(sizesBefore[i]!, sizesAfter[i]!));
      // BENCH_CAPACITY_DETAIL=1: what each call wrote and what DynamoDB reported for it.
      if (process.env['BENCH_CAPACITY_DETAIL']) {
        const items = ((args.input as { TransactItems?: Record<string, { Item?: Record<string, unknown>; Key?: Record<string, unknown> }>[] }).TransactItems ?? []).map((t) => {
          const [op, x] = Object.entries(t)[0]!;
          const key = x.Key ?? { pk: x.Item?.['pk'] ?? x.Item?.['id'], sk: x.Item?.['sk'] };
          return `${op} ${String(key['pk']).slice(0, 40)} ${String(key['sk'] ?? '').slice(0, 30)} ${x.Item ? JSON.stringify(x.Item).length : 0} B`;
        });
        console.log(`    ${context.commandName} ${JSON.stringify((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity)}${items.map((i) => `\n      ${i}`).join('')}`);
      }
      const reported = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of (Array.isArray(reported) ? reported : reported ? [reported] : []) as ReportedCapacity[]) {
        // DynamoDB Local reports only the total; the kind of call says whether it was read or written.
        if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
          read += c.ReadCapacityUnits ?? 0;
          write += c.WriteCapacityUnits ?? 0;
        } else if (isRead) read += c.CapacityUnits ?? 0;
        else {
          write += c.CapacityUnits ?? 0;
          addWrite(c.TableName ?? '?', 'table', c.Table?.CapacityUnits ?? (c.GlobalSecondaryIndexes ? undefined : c.CapacityUnits));
          for (const [index, units] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
            addWrite(c.TableName ?? '?', index, units.CapacityUnits);
            indexUnits += units.CapacityUnits ?? 0;
          }
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  const { deps, useCases } = await incidentUseCaseDeps(client, tableNames);
  const caller = { id: 'bench', name: 'bench', roles: ['agent' as const] };
  const measureOne = async (operation: () => Promise<unknown>) => {
    read = 0;
    write = 0;
    calls = 0;
    writeByTable = {};
    perItemTable = 0;
    indexUnits = 0;
    await operation();
    return { read: +read.toFixed(2), write: +write.toFixed(2), calls, writeByTable, ...(write > 0 && { perItemWrite: perItemTable + indexUnits }) };
  };
  const input = { shortDescription: 'Capacity', description: 'Capacity units benchmark', impact: 2 as const, urgency: 2 as const, service: 'capacity', category: 'software' };
  let id = '';
  const figures = {
    'create incident': await measureOne(async () => {
      id = (await useCases.createIncident(deps, caller, input)).id;
    }),
    // As POST /incidents with an Idempotency-Key: the marker (with the 201 it answers) in the same transaction.
    'create incident (Idempotency-Key)': await measureOne(async () => {
      const marker = { id: crypto.randomUUID(), bodyHash: 'bench' };
      await useCases.createIncidentOnce(deps, caller, input, marker, (incident) => ({ status: 201, body: incident, headers: { ETag: `"${incident.version}"`, Location: `/v1/incidents/${incident.id}` } }));
    }),
    'get incident': await measureOne(() => useCases.getIncident(deps, caller, id)),
    'update incident (state change)': await measureOne(() => useCases.updateIncident(deps, caller, id, { state: 'In Progress' }, 1)),
    'list page (25, by state)': await measureOne(() => useCases.listIncidents(deps, caller, { state: 'New', limit: 25 })),
    'add timeline entry (comment)': await measureOne(() => useCases.addTimelineEntry(deps, caller, id, { type: 'comment', text: 'bench' })),
    'timeline page (50)': await measureOne(() => useCases.getTimeline(deps, caller, id, { limit: 50 })),
    'resolve incident': await measureOne(() =>
      useCases.updateIncident(deps, caller, id, { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'bench' }, 3),
    ),
  };
  // The chainer's cost, off the request path: every record above (and the warm-up's), chained in
  // batches of 99; reported per record chained.
  const { chainAuditRecords } = await import('../src/modules/audit/app/audit-use-cases');
  const { sha256Hex } = await import('../src/kernel/adapters/dynamodb-audit-trail');
  let chained = 0;
  const chaining = await measureOne(async () => {
    // The seal and anchor as the local runtime has them (KMS and S3 calls are not DynamoDB's cost).
    const seal = new (await import('../local/stand-ins/hmac-chain-seal')).HmacChainSeal(randomBytes(32));
    chained = await chainAuditRecords({ chain: deps.audit, sha256: sha256Hex, clock: { now: () => new Date() }, lagMs: 0, seal, anchor: { write: async () => undefined } });
  });
  (figures as Record<string, OperationUnits>)[`audit chainer, per record (${chained} chained)`] = {
    read: +(chaining.read / Math.max(1, chained)).toFixed(2),
    write: +(chaining.write / Math.max(1, chained)).toFixed(2),
    calls: chaining.calls,
    writeByTable: {},
  };
  client.destroy();
  sizing.destroy();
  return figures;
}
