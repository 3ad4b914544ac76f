/**
 * The changes function's role holds exactly what its code performs, and the approvers' Cognito
 * groups exist. (The changes table is durable and built from the adapter's key module like the
 * others: data.test.ts.)
 */
import { CHANGE_INDEXES } from '../../src/modules/changes/adapters/changes-table-keys';
import { INCIDENT_INDEXES } from '../../src/modules/incidents/adapters/incidents-table-keys';
import {
  actionsOf,
  asList,
  functionWithEntry,
  granteesOf,
  grantsOn,
  idOf,
  referencedIds,
  renderArn,
  resourcesOfType,
  RETENTION_ENTRY,
  retentionGrants,
  statementsOn,
  useClientStacks,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the changes function: read and write (no delete) on the changes table and Query on its indexes; GetItem on the catalogue, Put/Delete of CI entries only; GetItem and the number index on incidents, PutItem of outbox items (the approvers\' notice, the ServiceNow mirror; no topic); idempotency; append-only audit', () => {
    const { stack, resources } = fixture.get(clientId);
    const [changesId, catalogueId, incidentsId, idempotencyId, auditId] = [
      stack.data.changesTable,
      stack.data.catalogueTable,
      stack.data.incidentsTable,
      stack.data.idempotencyTable,
      stack.data.auditTable,
    ].map((t) => idOf(stack, t));
    const changes = functionWithEntry(resources, HANDLER_ENTRIES.changes);
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([tid]) => tid));
    const touched = new Set(changes.statements.flatMap((s) => [...referencedIds(s.Resource)].filter((tid) => tableIds.has(tid))));
    expect(touched).toEqual(new Set([changesId, catalogueId, incidentsId, idempotencyId, auditId]));

    expect(grantsOn(changes.statements, changesId, { withoutConditions: true })).toEqual({
      [`\${${changesId}.Arn}`]: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      ...Object.fromEntries(Object.values(CHANGE_INDEXES).map((index) => [`\${${changesId}.Arn}/index/${index.name}`, ['dynamodb:Query']])),
    });

    const unconditional = changes.statements.filter((st) => st.Condition === undefined);
    expect(grantsOn(unconditional, catalogueId)).toEqual({ [`\${${catalogueId}.Arn}`]: ['dynamodb:GetItem'] });
    // Recording installed versions: Put and Delete on CI and service partitions only.
    const onCatalogue = changes.statements.filter((st) => st.Condition !== undefined && referencedIds(st.Resource).has(catalogueId));
    expect(onCatalogue.map((st) => ({ actions: actionsOf([st]).sort(), condition: st.Condition }))).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CI#*', 'SERVICE#*'] } } },
    ]);
    const onIncidents = changes.statements.filter((st) => referencedIds(st.Resource).has(incidentsId));
    expect(grantsOn(onIncidents.filter((st) => st.Condition === undefined), incidentsId, { withoutConditions: true })).toEqual({
      [`\${${incidentsId}.Arn}`]: ['dynamodb:GetItem'],
      [`\${${incidentsId}.Arn}/index/${INCIDENT_INDEXES.byNumber.name}`]: ['dynamodb:Query'],
    });
    // A change the client approves in their ServiceNow stores its mirror: PutItem of outbox items only.
    expect(onIncidents.filter((st) => st.Condition !== undefined).map((st) => ({ actions: actionsOf([st]).sort(), condition: st.Condition }))).toEqual([
      { actions: ['dynamodb:PutItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OUTBOX'] } } },
    ]);
    expect(actionsOf(changes.statements.filter((s) => !onCatalogue.includes(s))).filter((a) => a === 'dynamodb:DeleteItem' || a === 'dynamodb:Scan')).toEqual(
      // DeleteItem only on the idempotency table (Powertools removes a failed request's record) and,
      // above, on the CI entries a recorded version no longer has.
      actionsOf(changes.statements.filter((s) => referencedIds(s.Resource).has(idempotencyId))).filter((a) => a === 'dynamodb:DeleteItem'),
    );

    expect(actionsOf(changes.statements).filter((a) => !/^(dynamodb|kms|logs|xray):/.test(a))).toEqual([]);
    expect(changes.fn.Properties.Environment.Variables).toMatchObject({ CHANGES_TABLE_NAME: { Ref: changesId }, INCIDENTS_TABLE_NAME: { Ref: incidentsId } });
    expect(changes.fn.Properties.Environment.Variables['ESCALATION_TOPIC_ARN']).toBeUndefined();
  });

  test('besides the changes function, only the incidents function writes the changes table: GetItem and PutItem on service requests (REQUEST# keys) only; the reports function only queries it', () => {
    const { stack, resources } = fixture.get(clientId);
    const changesId = idOf(stack, stack.data.changesTable);
    const changes = functionWithEntry(resources, HANDLER_ENTRIES.changes);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.incidents);
    const reports = functionWithEntry(resources, HANDLER_ENTRIES.reports);
    // The retention job: closed requests and changes on byState, rewritten under their own partitions (test/integration/retention-pseudonymisation.test.ts).
    const retention = functionWithEntry(resources, RETENTION_ENTRY);
    expect(granteesOf(resources, changesId).sort()).toEqual([changes.roleId, incidents.roleId, reports.roleId, retention.roleId].sort());
    expect(statementsOn(retention.statements, changesId)).toEqual(retentionGrants(changesId, 'byState', ['REQUEST#*', 'CHANGE#*']));
    // The request:change ratio of the service report: Query only (its index by name: iam.test.ts).
    const onChangesByReports = reports.statements.filter((st) => referencedIds(st.Resource).has(changesId));
    expect([...new Set(actionsOf(onChangesByReports).filter((a) => a.startsWith('dynamodb:')))]).toEqual(['dynamodb:Query']);
    const onChanges = incidents.statements.filter((st) => referencedIds(st.Resource).has(changesId));
    expect(onChanges.map((st) => ({ actions: actionsOf([st]).sort(), resources: asList(st.Resource).map(renderArn), condition: st.Condition }))).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [`\${${changesId}.Arn}`],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REQUEST#*'] } },
      },
    ]);
  });

  test('an alarm watches the changes function for audit records it could not append', () => {
    const { resources } = fixture.get(clientId);
    // The stack's one audit-write alarm (a Metrics Insights query over every writer) names it.
    const alarm = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').find(([, a]) => String(a.Properties.AlarmName).endsWith('-audit-write-failures'));
    expect(alarm![1].Properties.Metrics[0].Expression).toContain("FROM SCHEMA(RoweItsm, service) WHERE");
    expect(alarm![1].Properties.Metrics[0].Expression).toContain("service = 'changes'");
  });

  test('the CAB, emergency approvers and client approvers are Cognito groups of the pool', () => {
    const { resources } = fixture.get(clientId);
    const groups = resourcesOfType(resources, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName as string);
    expect(groups).toEqual(expect.arrayContaining(['cab', 'emergency-approver', 'client-approver']));
  });
});
