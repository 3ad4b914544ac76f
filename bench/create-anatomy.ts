/**
 * Where a create's engine time goes on DynamoDB Local (`BENCH_ONLY=anatomy npm run bench`, under
 * `createAnatomy` in bench/results.json). The create is the write path's in-process one: the use
 * case and the DynamoDB adapters, with an Idempotency-Key, the catalogue cached as the handler has
 * it, one at a time. It runs on a fresh engine for each variant of the stack's tables: as
 * deployed; without the incidents table's stream; without the incidents and audit tables' indexes;
 * without either. The variants are not the product (the outbox needs the stream, the lists their
 * indexes): they show what this engine charges for what. Beside each, on the same engine, a bare
 * PutItem and a bare TransactWriteItems of ten 200-byte Puts over two plain tables.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ensureTables, startDynamoDbLocal } from '../local/dynamodb-engine';
import { tablesOf, type TemplateTable } from '../local/template-model';
import { synthesizeClient } from '../local/synthesize-stack';
import { incidentUseCaseDeps } from './incident-capacity';
import { CachedServiceCatalogue } from '../src/modules/catalogue/adapters/cached-service-catalogue';

/** p50 in ms of each call, over `requests` runs after a warm-up, on one variant's engine. */
export interface CreateAnatomy {
  readonly barePutItem: number;
  readonly bareTransaction10: number;
  readonly create: number;
  /** From the create's start to its transaction's start: the number and the open count (one round trip). */
  readonly beforeTransaction: number;
  readonly transaction: number;
}

const VARIANTS = {
  'as deployed': { stream: true, indexes: true },
  'no stream': { stream: false, indexes: true },
  'no incident or audit indexes': { stream: true, indexes: false },
  'neither': { stream: false, indexes: false },
} as const;

const WARM_UP = 150;
const p50 = (samples: readonly number[]) => +[...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!.toFixed(2);

/** The stack's table definitions, less the stream or the indexes of the incidents and audit tables. */
function variantTables(tables: readonly TemplateTable[], keep: { readonly stream: boolean; readonly indexes: boolean }): TemplateTable[] {
  return tables.map((table) => {
    const { StreamSpecification, GlobalSecondaryIndexes, AttributeDefinitions, ...rest } = table.definition;
    const stripIndexes = !keep.indexes && /^Data(Incidents|Audit)Table/.test(table.logicalId);
    const definition: Omit<CreateTableCommandInput, 'TableName'> = {
      ...rest,
      ...(keep.stream && StreamSpecification && { StreamSpecification }),
      ...(!stripIndexes && GlobalSecondaryIndexes && { GlobalSecondaryIndexes }),
      AttributeDefinitions: stripIndexes ? AttributeDefinitions?.filter((a) => a.AttributeName === 'pk' || a.AttributeName === 'sk') : AttributeDefinitions,
    };
    return { ...table, definition };
  });
}

async function measureVariant(template: readonly TemplateTable[], keep: { readonly stream: boolean; readonly indexes: boolean }, requests: number): Promise<CreateAnatomy> {
  const engine = await startDynamoDbLocal({});
  const client = new DynamoDBClient({ endpoint: engine.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const tables = variantTables(template, keep);
    await ensureTables(client, tables);
    for (const TableName of ['bare_a', 'bare_b']) {
      await client.send(new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }));
    }
    const bareItem = () => ({ pk: { S: randomUUID() }, value: { S: 'x'.repeat(200) } });
    const putItem = () => client.send(new PutItemCommand({ TableName: 'bare_a', Item: bareItem() }));
    const transaction10 = () =>
      client.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 10 }, (_, i) => ({ Put: { TableName: i % 2 ? 'bare_a' : 'bare_b', Item: bareItem() } })) }));

    let createStart = 0;
    let transactionStart = 0;
    let transactionEnd = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand' || createStart === 0) return next(args);
        transactionStart = performance.now();
        try {
          return await next(args);
        } finally {
          transactionEnd = performance.now();
        }
      },
      { step: 'initialize', name: 'anatomyTimer' },
    );
    const names = Object.fromEntries(tables.map((t) => [t.logicalId, t.logicalId]));
    const { deps, useCases } = await incidentUseCaseDeps(client, names, 'anatomy');
    const cached = { ...deps, services: new CachedServiceCatalogue(deps.services) };
    // The desk's create quota (600 an hour a person): spread over 32 agents, as the write path's load is.
    const callers = Array.from({ length: 32 }, (_, n) => ({ id: `anatomy-${n}`, name: `anatomy-${n}`, roles: ['agent' as const] }));
    const input = { shortDescription: 'Anatomy', description: 'Where a create spends its time', impact: 2 as const, urgency: 2 as const, service: 'anatomy', category: 'software' };
    let turn = 0;
    const create = async () => {
      createStart = performance.now();
      await useCases.createIncidentOnce(cached, callers[turn++ % callers.length]!, input, { id: randomUUID(), bodyHash: 'anatomy' }, (incident) => ({ status: 201, body: incident, headers: {} }));
      const parts = { before: transactionStart - createStart, transaction: transactionEnd - transactionStart };
      createStart = 0;
      return parts;
    };
    // Interleaved, round after round, so the three kinds of call meet the same JIT state and load.
    const samples = { put: [] as number[], transaction10: [] as number[], create: [] as number[], before: [] as number[], transaction: [] as number[] };
    const timed = async <T>(call: () => Promise<T>) => {
      const start = performance.now();
      const result = await call();
      return { ms: performance.now() - start, result };
    };
    for (let round = 0; round < WARM_UP + requests; round++) {
      const put = await timed(putItem);
      const ten = await timed(transaction10);
      const made = await timed(create);
      if (round < WARM_UP) continue;
      samples.put.push(put.ms);
      samples.transaction10.push(ten.ms);
      samples.create.push(made.ms);
      samples.before.push(made.result.before);
      samples.transaction.push(made.result.transaction);
    }
    return {
      barePutItem: p50(samples.put),
      bareTransaction10: p50(samples.transaction10),
      create: p50(samples.create),
      beforeTransaction: p50(samples.before),
      transaction: p50(samples.transaction),
    };
  } finally {
    client.destroy();
    await engine.stop();
  }
}

export async function measureCreateAnatomy(requests: number): Promise<Record<string, CreateAnatomy>> {
  const template = tablesOf(synthesizeClient('example').template);
  const figures: Record<string, CreateAnatomy> = {};
  for (const [label, keep] of Object.entries(VARIANTS)) figures[label] = await measureVariant(template, keep, requests);
  return figures;
}

export function printCreateAnatomy(figures: Record<string, CreateAnatomy>, log: (line: string) => void = console.log): void {
  log('  p50 in ms (× the bare PutItem on the same engine)');
  for (const [label, f] of Object.entries(figures)) {
    const x = (ms: number) => `${ms.toFixed(2)} (${(ms / f.barePutItem).toFixed(1)}×)`;
    log(`  ${label.padEnd(30)} PutItem ${f.barePutItem.toFixed(2)}  10-Put transaction ${x(f.bareTransaction10)}  create ${x(f.create)} = first round trip ${x(f.beforeTransaction)} + transaction ${x(f.transaction)}`);
  }
}
