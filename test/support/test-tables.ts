import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../src/kernel/adapters/document-client';
import { ensureTables } from '../../local/dynamodb-engine';
import { tablesOf } from '../../local/template-model';
import { synthesizedTemplate } from './synthesized-template';

export interface TestTables {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  /** Local table name for a table of the stack, by construct name: `incidents`, `idempotency`. */
  readonly names: { readonly incidents: string; readonly idempotency: string; readonly events: string; readonly audit: string; readonly catalogue: string; readonly problems: string; readonly changes: string; readonly oncall: string };
  /**
   * Deletes the tables, then closes the client. A test file's tables must not outlive it:
   * DynamoDB Local's background jobs (TTL expiry, index builds, stream shard roll-over) read every
   * table's description every few seconds, so a run that left its ~300 tables behind made the
   * shared engine spend a tenth of a core on them by the end (measured: 2.0 CPU-s per idle 20 s
   * with 320 tables, 0.16 with 8).
   */
  destroy(): Promise<void>;
}

/** Logical-id prefixes of the stack's tables, as the ItsmData construct names them. */
const TABLE_PREFIXES = { incidents: 'DataIncidentsTable', idempotency: 'DataIdempotencyTable', events: 'DataEventsTable', audit: 'DataAuditTable', catalogue: 'DataCatalogueTable', problems: 'DataProblemsTable', changes: 'DataChangesTable', oncall: 'DataOnCallTable' } as const;

/**
 * This worker's DynamoDB Local: the global setup starts a few (global-setup.ts) and each jest
 * worker keeps to one, so the engines share the load.
 */
export function testEngineEndpoint(): string {
  const endpoints = (process.env['ITSM_TEST_DYNAMODB_ENDPOINT'] ?? '').split(',').filter(Boolean);
  if (endpoints.length === 0) throw new Error('ITSM_TEST_DYNAMODB_ENDPOINT is not set: run through jest (globalSetup starts the engines)');
  const worker = Number(process.env['JEST_WORKER_ID'] ?? '1');
  return endpoints[(Math.max(1, worker) - 1) % endpoints.length]!;
}

/**
 * Creates the stack's tables, from its synthesized template (synthesized once per run:
 * synthesized-template.ts), in the shared DynamoDB Local under names unique to the caller.
 * The tables are created concurrently: each CreateTable is a round trip DynamoDB Local takes
 * its time over, and they do not depend on each other.
 */
export async function createTestTables(clientId = 'example'): Promise<TestTables> {
  const endpoint = testEngineEndpoint();
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const suffix = randomUUID().slice(0, 8);
  const tables = tablesOf(synthesizedTemplate(clientId));
  await Promise.all(tables.map((table) => ensureTables(client, [table], (logicalId) => `${logicalId}-${suffix}`)));
  const nameFor = (prefix: string) => {
    const table = tables.find((t) => t.logicalId.startsWith(prefix));
    if (!table) throw new Error(`No table ${prefix}* in the template`);
    return `${table.logicalId}-${suffix}`;
  };
  return {
    endpoint,
    client,
    documents: createDocumentClient(client),
    names: {
      incidents: nameFor(TABLE_PREFIXES.incidents),
      idempotency: nameFor(TABLE_PREFIXES.idempotency),
      events: nameFor(TABLE_PREFIXES.events),
      audit: nameFor(TABLE_PREFIXES.audit),
      catalogue: nameFor(TABLE_PREFIXES.catalogue),
      problems: nameFor(TABLE_PREFIXES.problems),
      changes: nameFor(TABLE_PREFIXES.changes),
      oncall: nameFor(TABLE_PREFIXES.oncall),
    },
    destroy: async () => {
      await Promise.all(
        tables.map((table) =>
          client.send(new DeleteTableCommand({ TableName: `${table.logicalId}-${suffix}` })).catch((error: unknown) => {
            if (!(error instanceof ResourceNotFoundException)) throw error;
          }),
        ),
      );
      client.destroy();
    },
  };
}
