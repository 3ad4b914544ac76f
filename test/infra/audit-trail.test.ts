/**
 * The audit trail is append-only by IAM: walking every policy statement of every client stack,
 * nothing allows changing or removing audit records (UpdateItem, DeleteItem, BatchWriteItem,
 * PartiQL, table-level changes, TTL); the writers may only Put (and read the chain head), and
 * only the audit function reads records. The table is encrypted with the data key, recoverable
 * to a point in time, protected from deletion and retained.
 */
import { AUDIT_INDEXES, AUDIT_TABLE_KEYS, CHAIN_HEAD_PARTITION } from '../../src/kernel/adapters/audit-table-keys';
import {
  allStatements,
  asList,
  expectDurableTableEncryptedWith,
  expectTableBuiltFrom,
  functionWithEntry,
  granteesOf,
  idOf,
  referencedIds,
  renderArn,
  statementsOfRole,
  useClientStacks,
  type PolicyStatementJson,
} from './infra-fixtures';

const fixture = useClientStacks();

/** Every action that could change or remove an audit record, or the table that holds them. */
const TAMPERING_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:RestoreTableToPointInTime',
  'dynamodb:ImportTable',
];

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

/** Could this resource entry name the audit table (its own ARN, an ARN pattern with a wildcard, or `*`)? */
function mayNameTable(resource: unknown, tableId: string): boolean {
  if (referencedIds(resource).has(tableId)) return true;
  const text = renderArn(resource);
  return text === '*' || (/dynamodb|\*/.test(text) && text.includes('*'));
}

/** The tampering actions a statement allows on the audit table (empty when none). */
function tamperingAllowed(statement: PolicyStatementJson, tableId: string): string[] {
  if (statement.Effect !== 'Allow') return [];
  // NotAction allows everything it does not list; NotResource everything but what it lists.
  if (statement.NotAction !== undefined) return ['NotAction'];
  const resources = asList(statement.Resource as unknown);
  const principalPolicy = statement.Principal === undefined;
  if (principalPolicy && !resources.some((r) => mayNameTable(r, tableId)) && !('NotResource' in statement)) return [];
  return TAMPERING_ACTIONS.filter((action) => asList(statement.Action).some((pattern) => actionMatches(pattern, action)));
}

const WRITERS = [
  'src/modules/incidents/functions/incidents-handler.ts',
  'src/modules/incidents/functions/auto-close-handler.ts',
  'src/modules/monitoring/functions/event-ingestion-handler.ts',
  'src/modules/incidents/functions/sla-clock-handler.ts',
  'src/modules/catalogue/functions/catalogue-handler.ts',
  'src/modules/problems/functions/problems-handler.ts',
  'src/modules/changes/functions/changes-handler.ts',
  // Reads reports; records capacity measurements and improvement items, and the requests it refuses.
  'src/modules/reports/functions/reports-handler.ts',
  'src/modules/problems/functions/knowledge-retirement-handler.ts',
  // Schedules and escalation policies, and the requests it refuses.
  'src/modules/oncall/functions/oncall-handler.ts',
];
const AUDIT_ENTRY = 'src/modules/audit/functions/audit-handler.ts';
const CHAINER_ENTRY = 'src/modules/audit/functions/audit-chainer-handler.ts';

test('the matcher catches wildcards and every spelling of a tampering action (so the walk below can fail)', () => {
  const tableId = 'AuditTable';
  const on = (Action: string | string[], Resource: unknown = { 'Fn::GetAtt': [tableId, 'Arn'] }): PolicyStatementJson => ({ Effect: 'Allow', Action, Resource });
  expect(tamperingAllowed(on('dynamodb:*'), tableId)).toEqual(TAMPERING_ACTIONS);
  expect(tamperingAllowed(on('*'), tableId)).toEqual(TAMPERING_ACTIONS);
  expect(tamperingAllowed(on('DynamoDB:updateitem'), tableId)).toEqual(['dynamodb:UpdateItem']);
  expect(tamperingAllowed(on('dynamodb:PartiQL*'), tableId)).toEqual(['dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete']);
  expect(tamperingAllowed(on('dynamodb:*Item'), tableId)).toEqual(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']);
  expect(tamperingAllowed(on('dynamodb:DeleteItem', '*'), tableId)).toEqual(['dynamodb:DeleteItem']);
  expect(tamperingAllowed(on('dynamodb:DeleteItem', 'arn:aws:dynamodb:eu-west-2:111111111111:table/*'), tableId)).toEqual(['dynamodb:DeleteItem']);
  expect(tamperingAllowed({ Effect: 'Allow', NotAction: 'dynamodb:Scan', Resource: '*' }, tableId)).toEqual(['NotAction']);
  expect(tamperingAllowed(on(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query']), tableId)).toEqual([]);
  expect(tamperingAllowed({ ...on('dynamodb:*'), Effect: 'Deny' }, tableId)).toEqual([]);
  expect(tamperingAllowed(on('dynamodb:DeleteItem', { 'Fn::GetAtt': ['OtherTable', 'Arn'] }), tableId)).toEqual([]);
});

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  const auditTableId = () => {
    const { stack } = fixture.get(clientId);
    return idOf(stack, stack.data.auditTable);
  };

  test('the audit table: encrypted with the data key, point-in-time recovery, deletion protection, retained, no TTL, keys and indexes from the key module', () => {
    const { resources, stack } = fixture.get(clientId);
    const table = resources[auditTableId()]!;
    const keyId = idOf(stack, stack.data.key);
    expectDurableTableEncryptedWith(table, keyId);
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    // Records are never expired.
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    expectTableBuiltFrom(table, { keys: AUDIT_TABLE_KEYS, indexes: AUDIT_INDEXES });
  });

  test('no statement anywhere in the stack allows updating or deleting audit records (UpdateItem, DeleteItem, BatchWriteItem, PartiQL, dynamodb:*, table changes)', () => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const statements = allStatements(resources);
    expect(statements.length).toBeGreaterThan(10);
    const offending = statements
      .map(({ logicalId, statement }) => ({ logicalId, allowed: tamperingAllowed(statement, tableId) }))
      .filter((s) => s.allowed.length > 0);
    expect(offending).toEqual([]);
    // And the statements that do name the table are there to be checked.
    expect(statements.filter(({ statement }) => referencedIds(statement.Resource).has(tableId)).length).toBeGreaterThanOrEqual(WRITERS.length + 1);
  });

  test.each(WRITERS)('%s may only Put into the audit table and read the chain head', (entry) => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const { statements } = functionWithEntry(resources, entry);
    const onTable = statements.filter((s) => referencedIds(s.Resource).has(tableId));
    expect(onTable.flatMap((s) => asList(s.Action)).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    for (const s of onTable) expect(asList(s.Resource).map(renderArn)).toEqual([`\${${tableId}.Arn}`]);
    const read = onTable.find((s) => asList(s.Action).includes('dynamodb:GetItem'))!;
    expect(read.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CHAIN_HEAD_PARTITION] } });
  });

  test('only the audit function reads audit records: GetItem and Query on the table, Query on each index by name', () => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const { roleId, statements } = functionWithEntry(resources, AUDIT_ENTRY);
    const onTable = statements.filter((s) => referencedIds(s.Resource).has(tableId));
    const unconditioned = onTable.filter((s) => s.Condition === undefined);
    expect([...new Set(unconditioned.flatMap((s) => asList(s.Action)))].sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    const indexArns = unconditioned.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/')).sort();
    expect(indexArns).toEqual(Object.values(AUDIT_INDEXES).map((i) => `\${${tableId}.Arn}/index/${i.name}`).sort());

    // Every other role that names the table does so only under the chain-head condition or to Put.
    const grantees = granteesOf(resources, tableId);
    const writerRoles = WRITERS.map((entry) => functionWithEntry(resources, entry).roleId);
    const chainer = functionWithEntry(resources, CHAINER_ENTRY);
    expect(grantees.sort()).toEqual([...writerRoles, roleId, chainer.roleId].sort());
    // The chainer reads the records after the head (byTime index) and the chain; it may Put, never update.
    const chainerOnTable = chainer.statements.filter((s) => referencedIds(s.Resource).has(tableId) && s.Condition === undefined);
    expect([...new Set(chainerOnTable.flatMap((s) => asList(s.Action)))].sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(chainerOnTable.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/'))).toEqual([`\${${tableId}.Arn}/index/${AUDIT_INDEXES.byTime.name}`]);
    for (const writer of writerRoles) {
      const reads = statementsOfRole(resources, writer).filter(
        (s) => referencedIds(s.Resource).has(tableId) && asList(s.Action).some((a) => a !== 'dynamodb:PutItem'),
      );
      for (const s of reads) expect(s.Condition).toBeDefined();
    }
  });
});
