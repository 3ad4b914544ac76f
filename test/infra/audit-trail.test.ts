/**
 * The audit trail is append-only by IAM: walking every policy statement of every client stack,
 * nothing allows changing or removing audit records (UpdateItem, DeleteItem, BatchWriteItem,
 * PartiQL, table-level changes, TTL) but the audit pruner's DeleteItem (records and chain entries
 * only, for retention); the writers may only put records, and only the audit function and the chainer
 * read records (the chainer by key, records only). Each writer's role, tried by a policy evaluator, is refused a chain entry,
 * the head and ReturnValues; only the chainer may seal (KMS HMAC) and anchor the head (S3 Object
 * Lock). The table is encrypted with the data key, recoverable to a point in time, protected from
 * deletion and retained. (Forged seals and truncation: test/integration/audit-trail.test.ts.)
 */
import { AUDIT_INDEXES, AUDIT_TABLE_KEYS, auditRecordKey, chainEntryKey, chainHeadKey, prunedMarkerKey } from '../../src/kernel/adapters/audit-table-keys';
import { CHAIN_ANCHOR_OBJECT_KEY } from '../../src/modules/audit/adapters/anchor-object-key';
import { evaluate, type IamRequest } from './policy-evaluator';
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
  resourcesOfType,
  statementsOfRole,
  useClientStacks,
  type PolicyStatementJson,
  HANDLER_ENTRIES,
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
  HANDLER_ENTRIES.incidents,
  HANDLER_ENTRIES.autoClose,
  HANDLER_ENTRIES.eventIngestion,
  HANDLER_ENTRIES.slaClock,
  HANDLER_ENTRIES.catalogue,
  HANDLER_ENTRIES.problems,
  HANDLER_ENTRIES.changes,
  // Reads reports; records capacity measurements and improvement items, and the requests it refuses.
  HANDLER_ENTRIES.reports,
  HANDLER_ENTRIES.knowledgeRetirement,
  // Schedules and escalation policies, and the requests it refuses.
  HANDLER_ENTRIES.oncall,
  // Changes relayed from the client's ServiceNow, as the integration actor.
  HANDLER_ENTRIES.servicenow,
  // Knowledge drafts of resolutions (draft-article effects), audited as their resolvers'.
  HANDLER_ENTRIES.outboxConsumer,
  HANDLER_ENTRIES.outboxReconciler,
  // Closed records pseudonymised past retention: the record of each run.
  HANDLER_ENTRIES.retention,
];

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

  test('no statement anywhere in the stack allows updating or deleting audit records (UpdateItem, DeleteItem, BatchWriteItem, PartiQL, dynamodb:*, table changes), but the pruner\'s DeleteItem', () => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const statements = allStatements(resources);
    expect(statements.length).toBeGreaterThan(10);
    const pruner = functionWithEntry(resources, HANDLER_ENTRIES.auditPruner);
    // A statement is the pruner's when it is in the pruner role's inline policy or in a policy attached to that role.
    const ofPruner = (logicalId: string) => logicalId === pruner.roleId || asList<unknown>(resources[logicalId]!.Properties.Roles ?? []).some((role) => referencedIds(role).has(pruner.roleId));
    const offending = statements
      .map(({ logicalId, statement }) => ({ logicalId, pruner: ofPruner(logicalId), allowed: tamperingAllowed(statement, tableId) }))
      .filter((s) => s.allowed.length > 0);
    // The pruner's one exception, whose conditions the next test tries request by request.
    expect(offending.filter((s) => !s.pruner)).toEqual([]);
    expect(offending.filter((s) => s.pruner).map((s) => s.allowed)).toEqual([['dynamodb:DeleteItem']]);
    // And the statements that do name the table are there to be checked.
    expect(statements.filter(({ statement }) => referencedIds(statement.Resource).has(tableId)).length).toBeGreaterThanOrEqual(WRITERS.length + 1);
  });

  test.each(WRITERS)('%s may only put records into the audit table: a chain entry, the head, ReturnValues and any read are refused', (entry) => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const { statements } = functionWithEntry(resources, entry);
    const onTable = statements.filter((s) => referencedIds(s.Resource).has(tableId));
    expect(onTable.flatMap((s) => asList(s.Action)).sort()).toEqual(['dynamodb:PutItem']);
    // The role, tried request by request as DynamoDB would authorise it.
    const table = `\${${tableId}.Arn}`;
    const put = (pk: string, context: Record<string, string> = {}): IamRequest => ({ action: 'dynamodb:PutItem', resource: table, context: { 'dynamodb:LeadingKeys': [pk], ...context } });
    const record = auditRecordKey('0b7e2c1a-0000-4000-8000-000000000001').pk;
    expect(evaluate(statements, put(record))).toBe('allowed');
    expect(evaluate(statements, put(record, { 'dynamodb:ReturnValues': 'NONE' }))).toBe('allowed');
    const attacks: Record<string, IamRequest> = {
      'put a chain entry': put(chainEntryKey(42).pk),
      'overwrite the chain head': put(chainHeadKey.pk),
      'read back a record it overwrites (ReturnValues ALL_OLD)': put(record, { 'dynamodb:ReturnValues': 'ALL_OLD' }),
      'read the head': { action: 'dynamodb:GetItem', resource: table, context: { 'dynamodb:LeadingKeys': [chainHeadKey.pk] } },
      'read records by key': { action: 'dynamodb:BatchGetItem', resource: table, context: { 'dynamodb:LeadingKeys': [record] } },
      'find records in an index': { action: 'dynamodb:Query', resource: `${table}/index/${AUDIT_INDEXES.byTime.name}` },
      'query the chain': { action: 'dynamodb:Query', resource: table, context: { 'dynamodb:LeadingKeys': [chainEntryKey(1).pk] } },
      'update a record': { action: 'dynamodb:UpdateItem', resource: table, context: { 'dynamodb:LeadingKeys': [record] } },
      'seal an entry of its own': { action: 'kms:GenerateMac', resource: '*' },
      'rewrite the anchored head': { action: 's3:PutObject', resource: '*' },
    };
    expect(Object.fromEntries(Object.entries(attacks).map(([what, request]) => [what, evaluate(statements, request)]))).toEqual(
      Object.fromEntries(Object.keys(attacks).map((what) => [what, 'implicitly denied'])),
    );
  });

  test('only the chainer writes chain entries and the head, seals them (KMS GenerateMac) and anchors the head; the auditors\' function may only verify seals and read the anchor', () => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const table = `\${${tableId}.Arn}`;
    const chainer = functionWithEntry(resources, HANDLER_ENTRIES.auditChainer);
    const auditors = functionWithEntry(resources, HANDLER_ENTRIES.audit);
    const put = (pk: string, context: Record<string, string> = {}): IamRequest => ({ action: 'dynamodb:PutItem', resource: table, context: { 'dynamodb:LeadingKeys': [pk], ...context } });
    expect(evaluate(chainer.statements, put(chainEntryKey(1).pk))).toBe('allowed');
    expect(evaluate(chainer.statements, put(chainHeadKey.pk))).toBe('allowed');
    expect(evaluate(chainer.statements, put(chainHeadKey.pk, { 'dynamodb:ReturnValues': 'ALL_OLD' }))).toBe('implicitly denied');
    expect(evaluate(chainer.statements, put(auditRecordKey('x').pk))).toBe('implicitly denied');
    expect(evaluate(auditors.statements, put(chainEntryKey(1).pk))).toBe('implicitly denied');
    expect(evaluate(auditors.statements, put(chainHeadKey.pk))).toBe('implicitly denied');

    // The seal key: HMAC, its policy lets the account administer it but use it no one but the two roles, each for its one action.
    const hmacKeys = resourcesOfType(resources, 'AWS::KMS::Key').filter(([, k]) => k.Properties.KeySpec === 'HMAC_256');
    expect(hmacKeys).toHaveLength(1);
    const [keyId, key] = hmacKeys[0]!;
    expect(key.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const keyStatements = asList<any>(key.Properties.KeyPolicy.Statement);
    const usersOf = (action: string) =>
      keyStatements.filter((s) => evaluate([{ ...s, Principal: undefined }], { action, resource: '*' }) === 'allowed').map((s) => renderArn(s.Principal.AWS));
    expect(usersOf('kms:GenerateMac')).toEqual([`\${${chainer.roleId}.Arn}`]);
    expect(usersOf('kms:VerifyMac')).toEqual([`\${${auditors.roleId}.Arn}`]);
    // No IAM policy of the stack grants a MAC action on it: the key policy above is the only grant.
    const macGrants = allStatements(resources).filter(
      ({ logicalId, statement }) =>
        resources[logicalId]!.Type.startsWith('AWS::IAM::') &&
        ['kms:GenerateMac', 'kms:VerifyMac'].some((action) => evaluate([statement], { action, resource: `\${${keyId}.Arn}` }) === 'allowed'),
    );
    expect(macGrants).toEqual([]);

    // The anchor: Object Lock in compliance mode; the chainer may put the anchor object and nothing else there.
    const buckets = resourcesOfType(resources, 'AWS::S3::Bucket').filter(([, b]) => b.Properties.ObjectLockEnabled !== undefined);
    expect(buckets).toHaveLength(1);
    const [bucketId, bucket] = buckets[0]!;
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE' } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const anchorObject = `\${${bucketId}.Arn}/${CHAIN_ANCHOR_OBJECT_KEY}`;
    expect(evaluate(chainer.statements, { action: 's3:PutObject', resource: anchorObject })).toBe('allowed');
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration']) {
      expect({ action, decision: evaluate(chainer.statements, { action, resource: anchorObject }) }).toEqual({ action, decision: 'implicitly denied' });
    }
    expect(evaluate(auditors.statements, { action: 's3:GetObject', resource: anchorObject })).toBe('allowed');
    expect(evaluate(auditors.statements, { action: 's3:PutObject', resource: anchorObject })).toBe('implicitly denied');
  });

  test('only the pruner deletes, and only records and chain entries (never the head or the marker, never with ReturnValues); it moves the marker, cannot write the chain or seal', () => {
    const { resources } = fixture.get(clientId);
    const table = `\${${auditTableId()}.Arn}`;
    const pruner = functionWithEntry(resources, HANDLER_ENTRIES.auditPruner);
    const ask = (action: string, pk: string, context: Record<string, string> = {}): IamRequest => ({ action: `dynamodb:${action}`, resource: table, context: { 'dynamodb:LeadingKeys': [pk], ...context } });
    const record = auditRecordKey('0b7e2c1a-0000-4000-8000-000000000001').pk;
    const decisions = (requests: Record<string, IamRequest>) => Object.fromEntries(Object.entries(requests).map(([what, request]) => [what, evaluate(pruner.statements, request)]));
    const allowed = {
      'delete a record': ask('DeleteItem', record),
      'delete a chain entry': ask('DeleteItem', chainEntryKey(1).pk),
      'move the prune marker': ask('PutItem', prunedMarkerKey.pk),
      'read the head': ask('GetItem', chainHeadKey.pk),
      'read the marker': ask('GetItem', prunedMarkerKey.pk),
      'walk the chain': ask('Query', chainEntryKey(1).pk),
      'append the record of its run': ask('PutItem', record),
    };
    expect(decisions(allowed)).toEqual(Object.fromEntries(Object.keys(allowed).map((what) => [what, 'allowed'])));
    const refused = {
      'delete the head': ask('DeleteItem', chainHeadKey.pk),
      'delete the marker': ask('DeleteItem', prunedMarkerKey.pk),
      'read back what it deletes (ReturnValues ALL_OLD)': ask('DeleteItem', record, { 'dynamodb:ReturnValues': 'ALL_OLD' }),
      'put a chain entry': ask('PutItem', chainEntryKey(1).pk),
      'overwrite the head': ask('PutItem', chainHeadKey.pk),
      'read a record': ask('GetItem', record),
      'read records by key': ask('BatchGetItem', record),
      'update a record': ask('UpdateItem', record),
      'batch-write (puts as well as deletes)': ask('BatchWriteItem', record),
      'seal an entry of its own': { action: 'kms:GenerateMac', resource: '*' },
      'rewrite the anchored head': { action: 's3:PutObject', resource: '*' },
    };
    expect(decisions(refused)).toEqual(Object.fromEntries(Object.keys(refused).map((what) => [what, 'implicitly denied'])));
    // Nobody else may delete anything in the table, the chainer included.
    for (const entry of [...WRITERS, HANDLER_ENTRIES.auditChainer, HANDLER_ENTRIES.audit]) {
      const { statements } = functionWithEntry(resources, entry);
      expect({ entry, decision: evaluate(statements, ask('DeleteItem', record)) }).toEqual({ entry, decision: 'implicitly denied' });
    }
  });

  test('only the audit function and the chainer read audit records: the auditors\' function GetItem, BatchGetItem and Query on the table, Query on each index by name; the chainer records by key and the head', () => {
    const { resources } = fixture.get(clientId);
    const tableId = auditTableId();
    const { roleId, statements } = functionWithEntry(resources, HANDLER_ENTRIES.audit);
    const onTable = statements.filter((s) => referencedIds(s.Resource).has(tableId));
    const unconditioned = onTable.filter((s) => s.Condition === undefined);
    expect([...new Set(unconditioned.flatMap((s) => asList(s.Action)))].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    const indexArns = unconditioned.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/')).sort();
    expect(indexArns).toEqual(Object.values(AUDIT_INDEXES).map((i) => `\${${tableId}.Arn}/index/${i.name}`).sort());

    // Every other role that names the table does so only under the chain-head condition or to Put.
    const grantees = granteesOf(resources, tableId);
    const writerRoles = WRITERS.map((entry) => functionWithEntry(resources, entry).roleId);
    const chainer = functionWithEntry(resources, HANDLER_ENTRIES.auditChainer);
    const pruner = functionWithEntry(resources, HANDLER_ENTRIES.auditPruner);
    expect(grantees.sort()).toEqual([...writerRoles, roleId, chainer.roleId, pruner.roleId].sort());
    // The pruner reads only the chain, the head and the marker (the previous test): every one of its statements on the table is conditioned.
    expect(pruner.statements.filter((s) => referencedIds(s.Resource).has(tableId) && s.Condition === undefined)).toEqual([]);
    // The chainer finds the records after the head in the time index (keys only) and reads them by
    // key; it reads the head. Unconditioned, it holds only Query on that index; it never updates.
    const chainerOnTable = chainer.statements.filter((s) => referencedIds(s.Resource).has(tableId) && s.Condition === undefined);
    expect([...new Set(chainerOnTable.flatMap((s) => asList(s.Action)))].sort()).toEqual(['dynamodb:Query']);
    expect(chainerOnTable.flatMap((s) => asList(s.Resource).map(renderArn))).toEqual([`\${${tableId}.Arn}/index/${AUDIT_INDEXES.byTime.name}`]);
    const table = `\${${tableId}.Arn}`;
    const ask = (action: string, pks: string[]): IamRequest => ({ action: `dynamodb:${action}`, resource: table, context: { 'dynamodb:LeadingKeys': pks } });
    const record = auditRecordKey('0b7e2c1a-0000-4000-8000-000000000001').pk;
    const decisions = (requests: Record<string, IamRequest>) => Object.fromEntries(Object.entries(requests).map(([what, request]) => [what, evaluate(chainer.statements, request)]));
    const allowed = {
      'find the records after the head': { action: 'dynamodb:Query', resource: `${table}/index/${AUDIT_INDEXES.byTime.name}` },
      'read records by key': ask('BatchGetItem', [record, auditRecordKey('x').pk]),
      'read the head': ask('GetItem', [chainHeadKey.pk]),
    };
    expect(decisions(allowed)).toEqual(Object.fromEntries(Object.keys(allowed).map((what) => [what, 'allowed'])));
    const refused = {
      'query another index': { action: 'dynamodb:Query', resource: `${table}/index/${AUDIT_INDEXES.byActor.name}` },
      'query the table': ask('Query', [chainEntryKey(1).pk]),
      'read a chain entry by key': ask('BatchGetItem', [chainEntryKey(1).pk]),
      'slip a chain entry into a batch of records': ask('BatchGetItem', [record, chainEntryKey(1).pk]),
      'read the marker': ask('BatchGetItem', [prunedMarkerKey.pk]),
      'read a record with GetItem': ask('GetItem', [record]),
      'get a chain entry': ask('GetItem', [chainEntryKey(1).pk]),
    };
    expect(decisions(refused)).toEqual(Object.fromEntries(Object.keys(refused).map((what) => [what, 'implicitly denied'])));
    for (const writer of writerRoles) {
      const reads = statementsOfRole(resources, writer).filter(
        (s) => referencedIds(s.Resource).has(tableId) && asList(s.Action).some((a) => a !== 'dynamodb:PutItem'),
      );
      for (const s of reads) expect(s.Condition).toBeDefined();
    }
  });
});
