/**
 * The reports function reads the problems table for known errors' ongoing impact (the service
 * report) with Query only: on the byKind and byState indexes, and on the table only within
 * problem partitions (a problem's incident links). No GetItem, Scan or write there.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import { asList, logicalIdOf, referencedId, referencedIds, renderArn, resourcesOfType, statementsOfRole, useClientStacks, HANDLER_ENTRIES } from './infra-fixtures';

const fixture = useClientStacks();

test('the reports role on the problems table: Query on byKind and byState, and on the table only in PROBLEM# partitions', () => {
  const { resources, stack } = fixture.get('example');
  const problemsId = logicalIdOf(stack, stack.data.problemsTable.node.defaultChild as CfnElement);
  const [[, reports]] = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.[ENTRY_METADATA] === HANDLER_ENTRIES.reports) as [[string, any]];
  expect(reports.Properties.Environment.Variables.PROBLEMS_TABLE_NAME).toEqual({ Ref: problemsId });
  const statements = statementsOfRole(resources, referencedId(reports.Properties.Role)!).filter((s) => referencedIds(s.Resource).has(problemsId));
  expect([...new Set(statements.flatMap((s) => asList(s.Action)))]).toEqual(['dynamodb:Query']);
  const onTable = statements.filter((s) => asList(s.Resource).some((r) => !renderArn(r).includes('/index/')));
  expect(onTable).toHaveLength(1);
  expect(onTable[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PROBLEM#*'] } });
  const indexes = statements.flatMap((s) => asList(s.Resource).map(renderArn)).filter((arn) => arn.includes('/index/')).sort();
  expect(indexes).toEqual([`\${${problemsId}.Arn}/index/byKind`, `\${${problemsId}.Arn}/index/byState`]);
});
