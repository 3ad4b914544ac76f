/**
 * The catalogue function: its role holds exactly what its code performs. (The catalogue table is
 * durable and built from the adapter's key module like the others: data.test.ts.)
 */
import { CATALOGUE_INDEXES } from '../../src/modules/catalogue/adapters/catalogue-table-keys';
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
  apiOperationsOf,
  integratedFunctionIds,
  useClientStacks,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

const CATALOGUE_TABLE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  test('the catalogue function may GetItem, Query, PutItem and DeleteItem on the catalogue table, Query each index by name; of the other tables only the idempotency table and (append-only) the audit table', () => {
    const { stack, resources } = fixture.get(clientId);
    const [tableId, idempotencyId, auditId] = [stack.data.catalogueTable, stack.data.idempotencyTable, stack.data.auditTable].map((t) => idOf(stack, t));
    const catalogue = functionWithEntry(resources, HANDLER_ENTRIES.catalogue);
    const allDynamo = catalogue.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    const tableIds = new Set(resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([id]) => id));
    expect(new Set(allDynamo.flatMap((s) => [...referencedIds(s.Resource)].filter((id) => tableIds.has(id))))).toEqual(new Set([tableId, idempotencyId, auditId]));
    expect(grantsOn(catalogue.statements, tableId)).toEqual({
      [`\${${tableId}.Arn}`]: CATALOGUE_TABLE_ACTIONS,
      ...Object.fromEntries(Object.values(CATALOGUE_INDEXES).map((index) => [`\${${tableId}.Arn}/index/${index.name}`, ['dynamodb:Query']])),
    });

    const keyId = idOf(stack, stack.data.key);
    const kms = catalogue.statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) {
      expect(asList(statement.Resource).map(renderArn)).toEqual([`\${${keyId}.Arn}`]);
      for (const action of asList(statement.Action)) expect(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']).toContain(action);
    }
    // No topics, queues or other services.
    expect(actionsOf(catalogue.statements).filter((a) => !/^(dynamodb|kms|logs|xray):/.test(a))).toEqual([]);
  });

  test('only the catalogue, incidents, changes, SLA check, auto-close and reports functions touch the catalogue table; incidents, changes, SLA check and auto-close only with GetItem (auto-close: a review action\'s service owner now; CI writes of the changes function: changes.test.ts; reports: iam.test.ts)', () => {
    const { stack, resources } = fixture.get(clientId);
    const tableId = idOf(stack, stack.data.catalogueTable);
    const catalogue = functionWithEntry(resources, HANDLER_ENTRIES.catalogue);
    const incidents = functionWithEntry(resources, HANDLER_ENTRIES.incidents);
    const slaClock = functionWithEntry(resources, HANDLER_ENTRIES.slaClock);
    const changes = functionWithEntry(resources, HANDLER_ENTRIES.changes);
    const reports = functionWithEntry(resources, HANDLER_ENTRIES.reports);
    const autoClose = functionWithEntry(resources, HANDLER_ENTRIES.autoClose);
    // With a self-help site, the outbox's functions also read the services' status for it (selfhelp-site.test.ts).
    const site = fixture.get(clientId).config.selfHelp.site.enabled
      ? resourcesOfType(resources, 'AWS::IAM::Role').map(([id]) => id).filter((id) => id.startsWith('OutboxConsumerRole') || id.startsWith('OutboxReconcilerFunctionRole'))
      : [];
    expect(granteesOf(resources, tableId).sort()).toEqual([catalogue.roleId, incidents.roleId, slaClock.roleId, changes.roleId, autoClose.roleId, reports.roleId, ...site].sort());
    for (const reader of [incidents, slaClock, changes, autoClose]) {
      // The changes function also records installed versions, under a CI#/SERVICE# LeadingKeys condition (changes.test.ts).
      const onTable = reader.statements.filter((s) => referencedIds(s.Resource).has(tableId) && s.Condition === undefined);
      expect([...new Set(actionsOf(onTable))]).toEqual(['dynamodb:GetItem']);
      expect(onTable.flatMap((s) => asList(s.Resource).map(renderArn))).toEqual([`\${${tableId}.Arn}`]);
    }
    expect(incidents.fn.Properties.Environment.Variables.CATALOGUE_TABLE_NAME).toEqual({ Ref: tableId });
  });

  test('the catalogue function serves every catalogue route and only those', () => {
    const { resources } = fixture.get(clientId);
    const catalogue = functionWithEntry(resources, HANDLER_ENTRIES.catalogue);
    const paths = apiOperationsOf(resources)
      .filter((m) => integratedFunctionIds(m.operation, resources).includes(catalogue.logicalId))
      .map((m) => m.operation.operationId as string)
      .sort();
    expect(paths).toEqual(
      [
        'createConfigurationItem', 'createService', 'getConfigurationItem', 'getConfigurationItemHistory', 'getService', 'listConfigurationItems',
        'listServiceCis', 'listServices', 'listSharedPlatforms', 'listSoftwareInventory', 'retireService', 'updateConfigurationItem', 'updateService',
      ].sort(),
    );
  });
});
