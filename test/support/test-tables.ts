import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
  destroy(): void;
}

/** Logical-id prefixes of the stack's tables, as the ItsmData construct names them. */
const TABLE_PREFIXES = { incidents: 'DataIncidentsTable', idempotency: 'DataIdempotencyTable', events: 'DataEventsTable', audit: 'DataAuditTable', catalogue: 'DataCatalogueTable', problems: 'DataProblemsTable', changes: 'DataChangesTable', oncall: 'DataOnCallTable' } as const;

/**
 * Creates the stack's tables, from its synthesized template (synthesized once per run:
 * synthesized-template.ts), in the shared DynamoDB Local under names unique to the caller.
 * The tables are created concurrently: each CreateTable is a round trip DynamoDB Local takes
 * its time over, and they do not depend on each other.
 */
export async function createTestTables(clientId = 'example'): Promise<TestTables> {
  const endpoint = process.env['ITSM_TEST_DYNAMODB_ENDPOINT'];
  if (!endpoint) throw new Error('ITSM_TEST_DYNAMODB_ENDPOINT is not set: run through jest (globalSetup starts the engine)');
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
    destroy: () => client.destroy(),
  };
}
