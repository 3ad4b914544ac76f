#!/usr/bin/env node
/**
 * Erasure of a person (docs/security.md, "Erasure of a person"): pseudonymises every identifier
 * given, in the incidents, changes (service requests and changes) and problems tables and in the
 * audit trail, and records the erasure in the audit trail under the admin running it.
 *
 *   npm run erase-person -- --as <admin username> --person <username> [--person <sub>] [--person <e-mail>] \
 *     --incidents-table <name> --changes-table <name> --problems-table <name> --audit-table <name> \
 *     [--region <region>] [--endpoint http://127.0.0.1:8000]
 *
 * Run it with the client account's operator credentials (it Scans and Puts those four tables);
 * `--endpoint` points it at the local runtime's DynamoDB Local instead. Prints the erasure's report
 * (JSON): its id, the pseudonym, the records changed per table, and the version 1 audit records
 * left to their retention.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { DynamoDbAuditTrail } from '../src/kernel/adapters/dynamodb-audit-trail';
import { erasePerson } from '../src/modules/privacy/app';
import { DynamoDbAuditRecordEraser, DynamoDbPersonalDataStore } from '../src/modules/privacy/adapters';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      as: { type: 'string' },
      person: { type: 'string', multiple: true },
      'incidents-table': { type: 'string' },
      'changes-table': { type: 'string' },
      'problems-table': { type: 'string' },
      'audit-table': { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
    },
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required (see bin/erase-person.ts)`);
    return value;
  };
  const admin = required('as');
  const tables = { incidents: required('incidents-table'), changes: required('changes-table'), problems: required('problems-table'), audit: required('audit-table') };
  const db = createDocumentClient(
    new DynamoDBClient({
      ...(values.region && { region: values.region }),
      ...(values.endpoint && { endpoint: values.endpoint, region: values.region ?? 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    }),
  );
  const ids = { newId: () => randomUUID() };
  const report = await erasePerson(
    {
      stores: (['incidents', 'changes', 'problems'] as const).map((name) => new DynamoDbPersonalDataStore({ db, tableName: tables[name], name })),
      auditRecords: new DynamoDbAuditRecordEraser({ db, tableName: tables.audit }),
      audit: new DynamoDbAuditTrail(db, tables.audit, { clock: { now: () => new Date() }, ids }),
      ids,
    },
    // The operator acts as an admin of the client: the erasure's audit records name them.
    { id: `operator:${admin}`, name: admin, roles: ['admin'] },
    values.person ?? [],
  );
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`erase-person: ${error.message}\n`);
  process.exit(1);
});
