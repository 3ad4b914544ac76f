/**
 * Least privilege per function: each function's role holds exactly the actions its code
 * performs, on the resources it touches, and nothing anywhere is granted `*`.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { INCIDENT_INDEXES, UNUSED_INCIDENT_INDEXES } from '../../src/modules/incidents/adapters/incidents-table-keys';
import {
  actionsOf,
  allStatements,
  asList,
  functionWithEntry,
  granteesOf,
  grantsOn,
  idOf,
  logicalIdOf,
  referencedId,
  referencedIds,
  renderArn,
  resourcesOfType,
  apiOperationsOf,
  integratedFunctionIds,
  statementsOfRole,
  RETENTION_ENTRY,
  retentionGrants,
  statementsOn,
  useClientStacks,
  type CfnResourceJson,
  type PolicyStatementJson,
  identityPolicies,
  namesClientContactsSecret,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

/** Functions some method of the REST API's definition integrates with. */
function apiFunctionIds(resources: Readonly<Record<string, CfnResourceJson>>): Set<string> {
  return new Set(apiOperationsOf(resources).flatMap((m) => integratedFunctionIds(m.operation, resources)));
}
const INCIDENTS_TABLE_ACTIONS = ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
/** Writers that also read lists of incidents (a page's incidents by key: the list indexes hold keys only). */
const INCIDENT_LISTER_ACTIONS = ['dynamodb:BatchGetItem', ...INCIDENTS_TABLE_ACTIONS];
const FORBIDDEN_TABLE_ACTIONS = ['dynamodb:*', 'dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteTable', 'dynamodb:UpdateTable', 'dynamodb:PartiQLDelete'];
const LAMBDA_BASIC_EXECUTION = ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('every function runs Node.js 22 or 24 on arm64 with X-Ray tracing', () => {
    const { resources } = fixture.get(clientId);
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const [logicalId, fn] of functions) {
      expect({ logicalId, runtime: fn.Properties.Runtime, architectures: fn.Properties.Architectures, tracing: fn.Properties.TracingConfig?.Mode }).toEqual({
        logicalId,
        runtime: expect.stringMatching(/^nodejs(22|24)\.x$/),
        architectures: ['arm64'],
        tracing: 'Active',
      });
      // Functions behind API Gateway must answer before its 29 s integration timeout.
      if (apiFunctionIds(resources).has(logicalId)) expect(fn.Properties.Timeout).toBeLessThanOrEqual(29);
    }
  });

  test('every function has its own role that only Lambda can assume', () => {
    const { resources } = fixture.get(clientId);
    const roles = resourcesOfType(resources, 'AWS::Lambda::Function').map(([, fn]) => referencedId(fn.Properties.Role));
    expect(new Set(roles).size).toBe(roles.length);
    for (const roleId of roles) {
      expect(resources[roleId!]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  test('function roles carry no managed policy and write logs only to their own function\'s log group', () => {
    const { resources } = fixture.get(clientId);
    for (const [logicalId, fn] of resourcesOfType(resources, 'AWS::Lambda::Function')) {
      const roleId = referencedId(fn.Properties.Role)!;
      const role = resources[roleId]!;
      // No AWSLambdaBasicExecutionRole (CreateLogGroup/CreateLogStream/PutLogEvents on every group).
      expect({ logicalId, managed: asList<unknown>(role.Properties.ManagedPolicyArns).map(renderArn) }).toEqual({ logicalId, managed: [] });
      expect(asList<unknown>(role.Properties.ManagedPolicyArns).map(renderArn).join()).not.toContain(LAMBDA_BASIC_EXECUTION);

      const ownLogGroup = referencedId(fn.Properties.LoggingConfig?.LogGroup);
      expect(ownLogGroup).toBeDefined();
      const logs = statementsOfRole(resources, roleId).filter((s) => actionsOf([s]).some((a) => a.startsWith('logs:')));
      expect(logs.length).toBeGreaterThan(0);
      for (const s of logs) {
        expect({ logicalId, actions: [...asList(s.Action)].sort() }).toEqual({ logicalId, actions: ['logs:CreateLogStream', 'logs:PutLogEvents'] });
        expect({ logicalId, resources: asList(s.Resource).map(renderArn) }).toEqual({ logicalId, resources: [`\${${ownLogGroup}.Arn}`] });
      }
    }
  });

  test('the incidents function may use exactly GetItem, BatchGetItem, PutItem, UpdateItem, Query, ConditionCheckItem on the incidents table, and only Query on each named index', () => {
    const { resources, stack } = fixture.get(clientId);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.incidents);
    const tableId = idOf(stack, stack.data.incidentsTable);

    // Statements on the incidents table and its indexes (the idempotency table has its own).
    const dynamo = incidents.statements.filter(
      (s) => actionsOf([s]).some((a) => a.toLowerCase().startsWith('dynamodb:')) && referencedIds(s.Resource).has(tableId),
    );
    expect(dynamo.length).toBeGreaterThan(0);
    expect([...new Set(actionsOf(dynamo))].sort()).toEqual([...INCIDENT_LISTER_ACTIONS].sort());
    for (const forbidden of FORBIDDEN_TABLE_ACTIONS) expect(actionsOf(dynamo)).not.toContain(forbidden);

    // Each index by name: no `index/*` wildcard, nothing else of the account.
    expect(grantsOn(dynamo, tableId)).toEqual({
      [`\${${tableId}.Arn}`]: [...INCIDENT_LISTER_ACTIONS].sort(),
      ...Object.fromEntries(Object.values(INCIDENT_INDEXES).map((index) => [`\${${tableId}.Arn}/index/${index.name}`, ['dynamodb:Query']])),
    });
  });

  test("the incidents function may use the data key only for the table's encryption", () => {
    const { resources, stack } = fixture.get(clientId);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.incidents);
    const keyId = idOf(stack, stack.data.key);
    const kms = incidents.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) {
      expect(asList(statement.Resource).map(renderArn)).toEqual([`\${${keyId}.Arn}`]);
      for (const action of asList(statement.Action)) {
        // Named actions only: no GenerateDataKey* / ReEncrypt* wildcards.
        expect(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']).toContain(action);
      }
    }
  });

  test('the meta function has no DynamoDB and no KMS permission at all', () => {
    const { resources } = fixture.get(clientId);
    const meta = functionWithEntry(resources, HANDLER_ENTRIES.meta);
    const actions = actionsOf(meta.statements).map((a) => a.toLowerCase());
    expect(actions.filter((a) => a.startsWith('dynamodb:') || a.startsWith('kms:'))).toEqual([]);
    // Nor a statement naming any table or the key (e.g. through NotAction).
    const tableAndKeyIds = new Set(
      resourcesOfType(resources, 'AWS::DynamoDB::Table').concat(resourcesOfType(resources, 'AWS::KMS::Key')).map(([id]) => id),
    );
    for (const s of meta.statements) {
      expect([...referencedIds(s.Resource)].filter((id) => tableAndKeyIds.has(id))).toEqual([]);
      expect(s.NotAction).toBeUndefined();
    }
  });

  test('only the incidents, auto-close, event-ingestion, SLA check, problems, knowledge retirement, changes, reports, outbox and outbox reconciler functions may touch the incidents table; auto-close only reads, writes and queries byState; changes and reports only read; problems read and, like the retirement job, put outbox items only', () => {
    const { resources, stack } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.incidentsTable);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.incidents);
    const autoClose = functionWithEntry(resources, HANDLER_ENTRIES.autoClose);
    const ingestion = functionWithEntry(resources, HANDLER_ENTRIES.eventIngestion);
    const slaClock = functionWithEntry(resources, HANDLER_ENTRIES.slaClock);
    const problems = functionWithEntry(resources, HANDLER_ENTRIES.problems);
    const changes = functionWithEntry(resources, HANDLER_ENTRIES.changes);
    const grantees = granteesOf(resources, tableId);
    const reports = functionWithEntry(resources, HANDLER_ENTRIES.reports);
    // The outbox consumer: its stream and outbox items only (test/infra/outbox.test.ts).
    const outbox = functionWithEntry(resources, HANDLER_ENTRIES.outboxConsumer);
    // The outbox reconciler: outbox items and the byState index only (test/infra/outbox-reconciler.test.ts).
    const reconciler = functionWithEntry(resources, HANDLER_ENTRIES.outboxReconciler);
    // Knowledge writes store the self-help site's rebuild (an outbox item) with their change.
    const retirement = functionWithEntry(resources, HANDLER_ENTRIES.knowledgeRetirement);
    // The retention job: Query on byCreated, then an incident's own partition read and put back (INCIDENT#* only).
    const retention = functionWithEntry(resources, RETENTION_ENTRY);
    expect(grantees.sort()).toEqual([incidents.roleId, autoClose.roleId, ingestion.roleId, slaClock.roleId, problems.roleId, retirement.roleId, changes.roleId, reports.roleId, outbox.roleId, reconciler.roleId, retention.roleId].sort());
    expect(statementsOn(retention.statements, tableId)).toEqual(retentionGrants(tableId, 'byStateBrief', ['INCIDENT#*']));
    const outboxPut = { actions: ['dynamodb:PutItem'], resources: [`\${${tableId}.Arn}`], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OUTBOX'] } } };
    const describeGrant = (s: any) => ({ actions: actionsOf([s]).sort(), resources: asList(s.Resource).map(renderArn), ...(s.Condition && { condition: s.Condition }) });
    // The changes function stores the approvers' notice with an assessment: an outbox item.
    for (const writer of [problems, retirement, changes]) {
      const puts = writer.statements.filter((s) => referencedIds(s.Resource).has(tableId) && actionsOf([s]).includes('dynamodb:PutItem'));
      expect(puts.map(describeGrant)).toEqual([outboxPut]);
    }
    expect(retirement.statements.filter((s) => referencedIds(s.Resource).has(tableId)).map(describeGrant)).toEqual([outboxPut]);
    // Problems link incidents, emergency changes name theirs, by id or number: GetItem on the table, Query on byNumber only.
    // Problem candidates also read a window's keys on byCreated, then those incidents (BatchGetItem); changes never list.
    for (const [reader, indexes, tableActions] of [
      [problems, [INCIDENT_INDEXES.byCreated.name, INCIDENT_INDEXES.byNumber.name], ['dynamodb:BatchGetItem', 'dynamodb:GetItem']],
      [changes, [INCIDENT_INDEXES.byNumber.name], ['dynamodb:GetItem']],
    ] as const) {
      const onIncidents = reader.statements.filter((s) => referencedIds(s.Resource).has(tableId) && !actionsOf([s]).includes('dynamodb:PutItem'));
      expect(onIncidents.map((s) => ({ actions: actionsOf([s]).sort(), resources: asList(s.Resource).map(renderArn) }))).toEqual([
        { actions: tableActions, resources: [`\${${tableId}.Arn}`] },
        { actions: ['dynamodb:Query'], resources: indexes.map((index) => `\${${tableId}.Arn}/index/${index}`) },
      ]);
    }
    // Only the readers of lists of incidents by key (lists, auto-close, problem candidates, the SLA report) hold
    // BatchGetItem on the incidents table, on the table itself; in the whole stack BatchGetItem is
    // granted on that table or the audit table (its readers: test/infra/audit-trail.test.ts), nothing else.
    const batchGets = identityPolicies(resources).flatMap(([, p]) =>
      asList<any>(p.Properties.PolicyDocument.Statement)
        .filter((s) => actionsOf([s]).includes('dynamodb:BatchGetItem'))
        .map((s) => ({ roles: asList<unknown>(p.Properties.Roles).map(referencedId), resources: asList(s.Resource).map(renderArn) })),
    );
    const auditTable = `\${${idOf(stack, stack.data.auditTable)}.Arn}`;
    const onIncidents = batchGets.filter((grant) => grant.resources.includes(`\${${tableId}.Arn}`));
    expect(onIncidents.flatMap((grant) => grant.roles).sort()).toEqual([incidents.roleId, autoClose.roleId, problems.roleId, reports.roleId].sort());
    for (const grant of batchGets) expect([[`\${${tableId}.Arn}`], [auditTable]]).toContainEqual(grant.resources);
    // Reports read aggregates (GetItem, Query on the table's keys) and byCreated's incidents (BatchGetItem); never write.
    const reportsOnTable = reports.statements.filter((s) => referencedIds(s.Resource).has(tableId));
    expect([...new Set(actionsOf(reportsOnTable))].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    // The SLA check reads and saves one incident at a time: no index.
    const slaOnTable = slaClock.statements.filter((s) => referencedIds(s.Resource).has(tableId));
    expect(slaOnTable.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/'))).toEqual([]);
    const onTable = autoClose.statements.filter((s) => referencedIds(s.Resource).has(tableId));
    expect([...new Set(actionsOf(onTable))].sort()).toEqual([...INCIDENT_LISTER_ACTIONS].sort());
    const indexResources = onTable.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/'));
    expect(indexResources).toEqual([`\${${tableId}.Arn}/index/${INCIDENT_INDEXES.byState.name}`]);
  });

  test('the reports function only gets and queries the incidents table (the byCreated index, no other); it puts audit records, and into the catalogue only capacity measurements and improvement items', () => {
    const { resources, stack } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.incidentsTable);
    const reports = functionWithEntry(resources, HANDLER_ENTRIES.reports);
    const onTable = reports.statements.filter((s) => referencedIds(s.Resource).has(tableId));
    expect([...new Set(actionsOf(onTable))].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    const indexResources = onTable.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/'));
    expect(indexResources).toEqual([`\${${tableId}.Arn}/index/${INCIDENT_INDEXES.byCreated.name}`]);
    const dynamo = [...new Set(actionsOf(reports.statements).filter((a) => a.startsWith('dynamodb:')))].sort();
    expect(dynamo).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    // PutItem on the audit table (audit records), and on the catalogue table only under the
    // CAPACITY# and IMPROVEMENT# partitions (capacity measurements, the improvement register).
    const auditId = idOf(stack, stack.data.auditTable);
    const catalogueId = idOf(stack, stack.data.catalogueTable);
    const puts = reports.statements.filter((st) => actionsOf([st]).includes('dynamodb:PutItem'));
    expect(puts.map((s) => [...referencedIds(s.Resource)]).sort()).toEqual([[auditId], [catalogueId]].sort());
    const cataloguePut = puts.find((s) => referencedIds(s.Resource).has(catalogueId))!;
    expect(actionsOf([cataloguePut])).toEqual(['dynamodb:PutItem']);
    expect(cataloguePut.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CAPACITY#*', 'IMPROVEMENT#*'] } });
    const onCatalogue = reports.statements.filter((s) => referencedIds(s.Resource).has(catalogueId) && s !== cataloguePut);
    expect([...new Set(actionsOf(onCatalogue))].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(onCatalogue.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/')).sort()).toEqual(
      [`\${${catalogueId}.Arn}/index/byServiceName`, `\${${catalogueId}.Arn}/index/byServiceStatus`],
    );
  });

  test('the event-ingestion function reads and writes the incidents table (no index: the open count is the backlog item) and only puts records and adds counters into the events table', () => {
    const { resources, stack } = fixture.get(clientId);
    const incidentsId = idOf(stack, stack.data.incidentsTable);
    const eventsId = idOf(stack, stack.data.eventsTable);
    const ingestion = functionWithEntry(resources, HANDLER_ENTRIES.eventIngestion);
    const onIncidents = ingestion.statements.filter((s) => referencedIds(s.Resource).has(incidentsId));
    expect([...new Set(actionsOf(onIncidents))].sort()).toEqual([...INCIDENTS_TABLE_ACTIONS].sort());
    const indexResources = onIncidents.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/'));
    expect(indexResources).toEqual([]);
    // Nothing reads the index the backlog item replaced: no role is granted it.
    const unused = Object.values(UNUSED_INCIDENT_INDEXES).map((index) => `/index/${index.name}`);
    const granted = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role' || r.Type === 'AWS::IAM::Policy').flatMap((r) => JSON.stringify(r.Properties ?? {}));
    for (const suffix of unused) expect(granted.filter((policy) => policy.includes(suffix))).toEqual([]);
    const onEvents = ingestion.statements.filter((s) => referencedIds(s.Resource).has(eventsId));
    // Records are Put, trend counters ADDed (UpdateItem), in one transaction; nothing else.
    expect([...new Set(actionsOf(onEvents))].sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // Only ingestion writes the events table; the reports function (GET /events, /events/trends) only queries its byDay index.
    const reports = functionWithEntry(resources, HANDLER_ENTRIES.reports);
    const grantees = granteesOf(resources, eventsId);
    expect(grantees.sort()).toEqual([ingestion.roleId, reports.roleId].sort());
    const readsOnEvents = reports.statements.filter((s) => referencedIds(s.Resource).has(eventsId));
    expect([...new Set(actionsOf(readsOnEvents))]).toEqual(['dynamodb:Query']);
    expect(readsOnEvents.flatMap((s) => asList(s.Resource).map(renderArn))).toEqual([`\${${eventsId}.Arn}/index/byDay`]);
  });

  test('the idempotency table is used only by the functions serving POST routes (incidents, catalogue, problems, changes), which may also delete its records', () => {
    const { resources, stack } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.idempotencyTable);
    const users = [HANDLER_ENTRIES.incidents, HANDLER_ENTRIES.catalogue, HANDLER_ENTRIES.problems, HANDLER_ENTRIES.changes].map((entry) => functionWithEntry(resources, entry));
    const grantees = granteesOf(resources, tableId);
    expect(grantees.sort()).toEqual(users.map((u) => u.roleId).sort());
    for (const user of users) {
      const onTable = user.statements.filter((s) => referencedIds(s.Resource).has(tableId));
      expect([...new Set(actionsOf(onTable))].sort()).toEqual(
        ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
      );
    }
  });

  test.each([
    ['incidents', HANDLER_ENTRIES.incidents],
    ['auto-close', HANDLER_ENTRIES.autoClose],
    ['changes', HANDLER_ENTRIES.changes],
  ])('the %s function publishes nothing, starts no workflow and calls no GuardDuty: its effects leave through the outbox', (_name, entry) => {
    const { resources } = fixture.get(clientId);
    const fn = functionWithEntry(resources, entry);
    // Reading the client's contacts is no effect (test/infra/client-contacts.test.ts); reading any other secret would be.
    const effects = fn.statements.filter((s) => !namesClientContactsSecret(resources, s) && actionsOf([s]).some((a) => /^(sns|states|secretsmanager|guardduty):/.test(a)));
    expect(effects).toEqual([]);
  });

  test('the outbox consumer may publish to the three notification topics and no other', () => {
    const { resources, stack } = fixture.get(clientId);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.outboxConsumer);
    // The notification topics; the health alarms' ops topic is CloudWatch's to publish to (test/infra/health-alarms.test.ts).
    const topicIds = stack.node.findAll().filter((c) => (c as { cfnResourceType?: string }).cfnResourceType === 'AWS::SNS::Topic').map((c) => logicalIdOf(stack, c as CfnElement)).filter((id) => id.startsWith('Notifications'));
    expect(topicIds).toHaveLength(3);
    const publish = incidents.statements.filter((s) => actionsOf([s]).includes('sns:Publish'));
    expect(publish.flatMap((s) => [...referencedIds(s.Resource)]).sort()).toEqual([...topicIds].sort());
    expect([...new Set(actionsOf(publish))]).toEqual(['sns:Publish']);
  });

  test("no statement anywhere allows Action '*' or 'dynamodb:*', or allows by NotAction", () => {
    const { resources } = fixture.get(clientId);
    const statements = allStatements(resources);
    expect(statements.length).toBeGreaterThan(0);
    for (const { logicalId, statement } of statements) {
      const actions = asList(statement.Action);
      expect({ logicalId, actions: actions.filter((a) => a === '*' || a.toLowerCase() === 'dynamodb:*') }).toEqual({ logicalId, actions: [] });
      if (statement.Effect === 'Allow') expect({ logicalId, notAction: statement.NotAction }).toEqual({ logicalId, notAction: undefined });
    }
  });

  test("in IAM policies, Resource '*' is granted only for X-Ray, the SLA workflow's log delivery and the reports function's capacity metrics", () => {
    const { resources, stack } = fixture.get(clientId);
    const workflowRoleId = idOf(stack, stack.slaStateMachine.role);
    // Step Functions log delivery: none of these has resource-level permissions.
    const logDelivery = new Set([
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
    ]);
    for (const [logicalId, policy] of identityPolicies(resources)) {
      const isWorkflow = asList<unknown>(policy.Properties.Roles).map(referencedId).includes(workflowRoleId);
      // GetMetricData has no resource-level permissions either (test/infra/capacity-metrics.test.ts).
      const isCapacityMetrics = logicalId.startsWith('ReportsCapacityMetrics');
      // dynamodb:ListStreams has no resource-level permissions (test/infra/outbox.test.ts).
      const isOutboxListStreams = logicalId.startsWith('OutboxListStreams');
      for (const s of asList<PolicyStatementJson>(policy.Properties.PolicyDocument.Statement)) {
        if (asList(s.Resource).includes('*')) {
          // X-Ray has no resource-level permissions; everything else names its resource.
          const unexpected = asList(s.Action).filter((a) => !a.startsWith('xray:') && !(isWorkflow && logDelivery.has(a)) && !(isCapacityMetrics && a === 'cloudwatch:GetMetricData') && !(isOutboxListStreams && a === 'dynamodb:ListStreams'));
          expect({ logicalId, actions: unexpected }).toEqual({ logicalId, actions: [] });
        }
      }
    }
  });

  test('the SLA workflow may only invoke the SLA check function; only the outbox consumer and its reconciler may start it', () => {
    const { resources, stack } = fixture.get(clientId);
    const machineId = idOf(stack, stack.slaStateMachine);
    const workflowRoleId = idOf(stack, stack.slaStateMachine.role);
    const slaClock = functionWithEntry(resources, HANDLER_ENTRIES.slaClock);
    const workflowStatements = identityPolicies(resources)
      .filter(([, p]) => asList<unknown>(p.Properties.Roles).map(referencedId).includes(workflowRoleId))
      .flatMap(([, p]) => asList<PolicyStatementJson>(p.Properties.PolicyDocument.Statement));
    const invoke = workflowStatements.filter((s) => asList(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke.length).toBeGreaterThan(0);
    // Through the check function's live alias only (not its other versions: no "<arn>:*").
    const [liveAlias] = resourcesOfType(resources, 'AWS::Lambda::Alias').filter(([, a]) => referencedId(a.Properties.FunctionName) === slaClock.logicalId).map(([id]) => id);
    for (const s of invoke) expect(s.Resource).toEqual({ Ref: liveAlias });
    const starters = identityPolicies(resources)
      .filter(([, p]) =>
        asList<PolicyStatementJson>(p.Properties.PolicyDocument.Statement).some(
          (s) => asList(s.Action).includes('states:StartExecution') && referencedIds(s.Resource).has(machineId),
        ),
      )
      .flatMap(([, p]) => asList<unknown>(p.Properties.Roles).map(referencedId));
    // Event ingestion's starts are outbox effects too: its role may not start executions.
    const outbox = functionWithEntry(resources, HANDLER_ENTRIES.outboxConsumer);
    const reconciler = functionWithEntry(resources, HANDLER_ENTRIES.outboxReconciler);
    expect(starters.sort()).toEqual([outbox.roleId, reconciler.roleId].sort());
  });
});
