/**
 * Capacity actions that name a CloudWatch metric (README "Capacity"): the config is validated
 * naming the file and field, and the reports function may call cloudwatch:GetMetricData only when
 * some action names a metric — in a policy of its own, on the reports role only.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientConfigError, parseClientConfig } from '../../src/config/load-client-configs';
import type { ClientConfig } from '../../src/config/client-config-schema';
import type { ItsmFunction } from '../../src/kernel/infra/itsm-function';
import { ItsmStack } from '../../src/stack/itsm-stack';
import { asList, CLIENTS_DIR, identityPolicies, FAST_SYNTH_CONTEXT, referencedId, resourcesOfType, type CfnResourceJson, type PolicyStatementJson } from './infra-fixtures';

const exampleText = readFileSync(join(CLIENTS_DIR, 'example.json'), 'utf8');
const example = (): any => JSON.parse(exampleText);
const metric = { namespace: 'WebShop', metricName: 'OrdersProcessed', dimensions: { Environment: 'production' }, statistic: 'Sum' };
const action = { service: 'web-shop', id: 'orders', name: 'Orders per hour', unit: 'orders/hour', baseline: 400, capacity: 1000 };

function synth(config: ClientConfig): { resources: Record<string, CfnResourceJson>; reportsRoleId: string } {
  // The built-in CloudFormation validation (5-7 s a synth) is kept on in synth-validation.test.ts and `cdk synth`.
  const app = new App({ context: FAST_SYNTH_CONTEXT, builtinCloudFormationValidation: false });
  const stack = new ItsmStack(app, `Capacity${Math.random().toString(36).slice(2, 8)}`, { config });
  const reports = stack.node.findChild('ReportsFunction') as ItsmFunction;
  return {
    resources: Template.fromStack(stack).toJSON()['Resources'] as Record<string, CfnResourceJson>,
    reportsRoleId: stack.getLogicalId(reports.role.node.defaultChild as CfnElement),
  };
}

/** Every statement that grants a cloudwatch:GetMetricData, with the policy and the roles holding it. */
function getMetricDataGrants(resources: Record<string, CfnResourceJson>) {
  return identityPolicies(resources).flatMap(([logicalId, policy]) =>
    asList<PolicyStatementJson>(policy.Properties.PolicyDocument.Statement)
      .filter((s) => asList(s.Action).some((a) => a.toLowerCase().startsWith('cloudwatch:getmetricdata') || a === 'cloudwatch:*'))
      .map((statement) => ({ logicalId, statement, roles: asList<unknown>(policy.Properties.Roles).map(referencedId) })),
  );
}

describe('the reports role and cloudwatch:GetMetricData', () => {
  test('with an action naming a metric: GetMetricData (its only action) in a policy of its own, on the reports role only', () => {
    const config = parseClientConfig('clients/example.json', exampleText);
    expect(config.capacity.actions.some((a) => a.metric)).toBe(true);
    const { resources, reportsRoleId } = synth(config);
    const grants = getMetricDataGrants(resources);
    expect(grants).toHaveLength(1);
    expect(grants[0]!.logicalId).toMatch(/^ReportsCapacityMetrics/);
    expect(grants[0]!.roles).toEqual([reportsRoleId]);
    expect(grants[0]!.statement).toMatchObject({ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' });
    expect(asList(resources[grants[0]!.logicalId]!.Properties.PolicyDocument.Statement)).toHaveLength(1);
    // The local runtime reads a file instead of CloudWatch; on AWS the function must not be told to.
    const [[, reports]] = resourcesOfType(resources, 'AWS::Lambda::Function').filter(([, r]) => referencedId(r.Properties.Role) === reportsRoleId) as [[string, CfnResourceJson]];
    expect(reports.Properties.Environment.Variables.ITSM_LOCAL_CAPACITY_METRICS_FILE).toBeUndefined();
  });

  test('with no action naming a metric: no GetMetricData anywhere', () => {
    const config = parseClientConfig('clients/example.json', exampleText);
    const withoutMetrics = { ...config, capacity: { actions: config.capacity.actions.map(({ metric: _metric, ...rest }) => rest) } };
    const { resources } = synth(withoutMetrics);
    expect(getMetricDataGrants(resources)).toEqual([]);
    expect(resourcesOfType(resources, 'AWS::IAM::Policy').map(([id]) => id).filter((id) => id.startsWith('ReportsCapacityMetrics'))).toEqual([]);
  });
});

describe('metric config', () => {
  const withMetric = (m: unknown) => JSON.stringify({ ...example(), capacity: { actions: [{ ...action, metric: m }] } });
  function problems(m: unknown): { field: string; reason: string }[] {
    try {
      parseClientConfig('clients/example.json', withMetric(m));
    } catch (error) {
      expect(error).toBeInstanceOf(ClientConfigError);
      expect((error as Error).message).toContain('clients/example.json');
      return [...(error as ClientConfigError).problems];
    }
    throw new Error('accepted');
  }

  test('defaults: an hourly period, no dimensions; statistics and percentiles are accepted', () => {
    const config = parseClientConfig('clients/example.json', withMetric({ namespace: 'WebShop', metricName: 'Orders', statistic: 'p99.9' }));
    expect(config.capacity.actions[0]!.metric).toEqual({ namespace: 'WebShop', metricName: 'Orders', dimensions: {}, statistic: 'p99.9', periodSeconds: 3600 });
    for (const statistic of ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount', 'p50', 'p100', 'p0']) {
      expect(parseClientConfig('clients/example.json', withMetric({ ...metric, statistic })).capacity.actions[0]!.metric!.statistic).toBe(statistic);
    }
  });

  test.each([
    ['an unknown statistic', { ...metric, statistic: 'Median' }, 'statistic', /Sum, Average/],
    ['a percentile over 100', { ...metric, statistic: 'p101' }, 'statistic', /percentile/],
    ['a period that is not whole minutes', { ...metric, periodSeconds: 90 }, 'periodSeconds', /multiple of 60/],
    ['a period under a minute', { ...metric, periodSeconds: 30 }, 'periodSeconds', /60/],
    ['eleven dimensions', { ...metric, dimensions: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`d${i}`, 'x'])) }, 'dimensions', /at most 10/],
    ['a zero unit scale', { ...metric, unitScale: 0 }, 'unitScale', /./],
    ['no metric name', { namespace: 'WebShop', statistic: 'Sum' }, 'metricName', /./],
    ['an unknown field', { ...metric, region: 'us-east-1' }, 'region', /./],
  ])('%s is refused naming the field', (_what, m, field, reason) => {
    expect(problems(m)).toEqual(expect.arrayContaining([{ field: `capacity.actions.0.metric.${field}`, reason: expect.stringMatching(reason) }]));
  });
});
