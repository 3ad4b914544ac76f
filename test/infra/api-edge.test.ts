/**
 * The API's edge (issue 20, items 8 and 10): access logs name the caller; WAF logs every request
 * with the Authorization header redacted; the public paths (health, the API description) have a
 * throttle and a WAF rate rule of their own, so callers without a token cannot exhaust the stage's;
 * each client's usage plan comes from its config; and a custom domain serves the API over TLS 1.2
 * with the default execute-api endpoint disabled.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { API_ROUTES, type FunctionGroup } from '../../src/api/api-catalogue';
import { REDACTED_HEADERS } from '../../src/kernel/infra/itsm-api-firewall';
import { ACCESS_LOG_FIELDS, ItsmApi, STAGE_NAME } from '../../src/stack/itsm-api';
import { apiOperationsOf, referencedId, referencedIds, renderArn, resourcesOfType, useClientStacks, type CfnResourceJson } from './infra-fixtures';

const fixture = useClientStacks({}, { testClients: true });
const ALL_PUBLIC = API_ROUTES.filter((r) => r.auth === 'none');

const only = <T>(list: readonly T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};
const stageOf = (resources: Readonly<Record<string, CfnResourceJson>>) => only(resourcesOfType(resources, 'AWS::ApiGateway::Stage'))[1];

// acme-us: a site behind the sign-in, whose /auth/* routes are public too.
describe.each(['example', 'all-options-vpn', 'acme-us'])('%s', (clientId) => {
  test("access logs carry the caller's sub, username and app client id", () => {
    const { resources } = fixture.get(clientId);
    const format = JSON.parse(stageOf(resources).Properties.AccessLogSetting.Format);
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(format).toMatchObject({
      sub: '$context.authorizer.claims.sub',
      username: '$context.authorizer.claims.username',
      clientId: '$context.authorizer.claims.client_id',
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
    });
  });

  test('WAF logs to an encrypted aws-waf-logs-* group, with the Authorization header redacted', () => {
    const { resources } = fixture.get(clientId);
    const [aclId] = only(resourcesOfType(resources, 'AWS::WAFv2::WebACL'));
    const [loggingId, logging] = only(resourcesOfType(resources, 'AWS::WAFv2::LoggingConfiguration'));
    expect(referencedId(logging.Properties.ResourceArn)).toBe(aclId);
    expect(logging.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
    expect(REDACTED_HEADERS).toEqual(['authorization']);
    const destination = only(logging.Properties.LogDestinationConfigs as unknown[]);
    const groups = resourcesOfType(resources, 'AWS::Logs::LogGroup').filter(([, g]) => String(g.Properties.LogGroupName ?? '').startsWith('aws-waf-logs-'));
    const [groupId, group] = only(groups);
    expect(group.Properties.LogGroupName).toBe(`aws-waf-logs-rowe-itsm-${clientId}`);
    expect(group.Properties.KmsKeyId).toBeDefined();
    expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    // The destination is that group's ARN (a reference, so the group exists first), without the ":*" suffix WAF refuses.
    expect(renderArn(destination)).toMatch(new RegExp(`:logs:[a-z0-9-]+:\\d{12}:log-group:\\$\\{${groupId}\\}$`));
    expect([...referencedIds(destination)].filter((id) => !id.startsWith('AWS::'))).toEqual([groupId]);
    expect(loggingId).toBeDefined();
  });

  test("the public paths have their own method throttle and WAF rate rule; the stage's throttle is the client's usage plan", () => {
    const { resources, config } = fixture.get(clientId);
    const stage = stageOf(resources);
    const settings = stage.Properties.MethodSettings as { ResourcePath: string; HttpMethod: string; ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[];
    // The public routes this stack serves (an optional group's, such as the site sign-in's, only where it has one).
    const served = new Set(apiOperationsOf(resources).map((m) => m.operation.operationId));
    const PUBLIC = ALL_PUBLIC.filter((r) => served.has(r.operationId));
    expect(PUBLIC.length).toBeGreaterThan(0);
    for (const route of PUBLIC) {
      // API Gateway's method paths escape "/" as "~1".
      const setting = settings.find((s) => s.ResourcePath === `/${route.path.replace(/\//g, '~1')}` && s.HttpMethod === route.method) as Record<string, unknown> | undefined;
      expect({ route: route.path, setting }).toEqual({
        route: route.path,
        setting: expect.objectContaining({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10, MetricsEnabled: true, LoggingLevel: 'INFO', DataTraceEnabled: false }),
      });
    }
    const stageWide = settings.find((s) => s.ResourcePath === '/*' && s.HttpMethod === '*')!;
    expect([stageWide.ThrottlingRateLimit, stageWide.ThrottlingBurstLimit]).toEqual([config.api.throttle.rateLimit, config.api.throttle.burstLimit]);
    const [, plan] = only(resourcesOfType(resources, 'AWS::ApiGateway::UsagePlan'));
    expect(plan.Properties.Throttle).toEqual({ RateLimit: config.api.throttle.rateLimit, BurstLimit: config.api.throttle.burstLimit });

    const [, acl] = only(resourcesOfType(resources, 'AWS::WAFv2::WebACL'));
    const rule = (acl.Properties.Rules as any[]).find((r) => r.Name === 'RatePerIpOnPublicPaths');
    expect(rule.Action.Block.CustomResponse).toMatchObject({ ResponseCode: 429 });
    const rate = rule.Statement.RateBasedStatement;
    expect(rate).toMatchObject({ Limit: 300, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    // An exact path, or (with a parameter) what comes before the parameter and what ends the path.
    const matchOf = (s: any) => (s.ByteMatchStatement ? [s.ByteMatchStatement] : s.AndStatement.Statements.map((m: any) => m.ByteMatchStatement));
    const paths = rate.ScopeDownStatement.OrStatement.Statements.map((s: any) => matchOf(s).map((m: any) => `${m.PositionalConstraint} ${m.SearchString}`).join(' AND ')).sort();
    const expected = PUBLIC.map((r) => `/${STAGE_NAME}${r.path}`).map((path) =>
      path.includes('{') ? `STARTS_WITH ${path.slice(0, path.indexOf('{'))} AND ENDS_WITH ${path.slice(path.lastIndexOf('}') + 1)}` : `EXACTLY ${path}`,
    );
    expect(paths).toEqual(expected.sort());
    expect(paths).toContain('STARTS_WITH /v1/knowledge/ AND ENDS_WITH /views');
  });
});

test("the usage plan follows the client's config (all-options-vpn asks for 40/s, burst 80)", () => {
  expect(fixture.get('all-options-vpn').config.api.throttle).toEqual({ rateLimit: 40, burstLimit: 80 });
  expect(fixture.get('example').config.api.throttle).toEqual({ rateLimit: 50, burstLimit: 100 });
});

describe('custom domain (client config api.customDomain)', () => {
  // The API alone, in a stack of its own: a custom domain adds two resources, which the shipped clients' budget does not carry.
  const synthApi = (customDomain?: { domainName: string; certificateArn: string }) => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Edge', { env: { account: '111111111111', region: 'eu-west-2' } });
    const groups = [...new Set(API_ROUTES.map((r) => r.group))] as FunctionGroup[];
    const functions = Object.fromEntries(
      groups.map((g) => [g, LambdaFunction.fromFunctionArn(stack, `Fn-${g}`, `arn:aws:lambda:eu-west-2:111111111111:function:${g}:live`)]),
    ) as Record<FunctionGroup, IFunction>;
    new ItsmApi(stack, 'Http', {
      clientId: 'edge',
      userPool: new UserPool(stack, 'Users'),
      functions,
      logRetention: RetentionDays.ONE_MONTH,
      logKey: new Key(stack, 'Key'),
      ...(customDomain && { customDomain }),
    });
    return Template.fromStack(stack);
  };
  const domain = { domainName: 'itsm.example.com', certificateArn: 'arn:aws:acm:eu-west-2:111111111111:certificate/00000000-0000-4000-8000-000000000001' };

  test('serves the API at the domain over TLS 1.2 or later and disables the default execute-api endpoint', () => {
    const template = synthApi(domain);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: domain.domainName,
      SecurityPolicy: 'TLS_1_2',
      RegionalCertificateArn: domain.certificateArn,
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
  });

  test('without one, the execute-api endpoint stays and no domain is created', () => {
    const template = synthApi();
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    expect(Object.values(template.findResources('AWS::ApiGateway::RestApi'))[0]!.Properties.DisableExecuteApiEndpoint).toBeUndefined();
  });
});
