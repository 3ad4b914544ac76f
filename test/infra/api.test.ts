/**
 * The REST API and who may call it: one method per catalogue route, every one behind the Cognito
 * authorizer except health and the API description; a traced, throttled, logged stage; a user
 * pool with MFA and strong passwords; errors API Gateway raises itself answered as problem+json.
 * Methods, authorizer, request validator and gateway responses are the REST API's OpenAPI
 * definition (its Body), read here as API Gateway imports it.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { API_ROUTES, COGNITO_SELF_SERVICE_SCOPE, machineScopeOf, PEOPLE_SCOPE } from '../../src/api/api-catalogue';
import { ENTRY_METADATA } from '../../src/kernel/infra/itsm-function';
import {
  apiOperationsOf,
  functionOfAlias,
  integratedFunctionIds,
  referencedId,
  renderArn,
  resourcesOfType,
  restApiBodyOf,
  useClientStacks,
  type ApiOperation,
  type CfnResourceJson,
  HANDLER_ENTRIES,
} from './infra-fixtures';

const fixture = useClientStacks();

/** `GET /incidents/{id}`: the same key for a catalogue route and a method of the API definition. */
const keyOf = (route: { readonly method: string; readonly path: string }) => `${route.method} ${route.path}`;

// Without a token: health, the API description, and the client's ServiceNow business rule (HMAC-signed
// instead: test/integration/servicenow-exchange.test.ts refuses a bad or stale signature).
const PUBLIC_ROUTES = ['GET /health', 'GET /openapi.json', 'POST /integrations/servicenow/events', 'POST /knowledge/{id}/views'];
// …and, only where the client's self-help site is behind its sign-in (acme-us), the sign-in's routes.
const SIGN_IN_ROUTES = ['GET /auth/sign-in', 'GET /auth/start', 'GET /auth/callback', 'GET /auth/sign-out'];
const signsIn = (clientId: string) => clientId === 'acme-us';
/** The catalogue routes a client's API has: the optional `selfhelp` group's only with the site's sign-in. */
const routesOf = (clientId: string) => API_ROUTES.filter((route) => route.group !== 'selfhelp' || signsIn(clientId));
const GROUP_ENTRIES = {
  incidents: HANDLER_ENTRIES.incidents,
  audit: HANDLER_ENTRIES.audit,
  catalogue: HANDLER_ENTRIES.catalogue,
  problems: HANDLER_ENTRIES.problems,
  changes: HANDLER_ENTRIES.changes,
  meta: HANDLER_ENTRIES.meta,
  reports: HANDLER_ENTRIES.reports,
  oncall: HANDLER_ENTRIES.oncall,
  servicenow: HANDLER_ENTRIES.servicenow,
  selfhelp: HANDLER_ENTRIES.siteSignIn,
} as const;

describe.each(['example', 'acme-us'])('%s: routes and authorization', (clientId) => {
  let methods: ApiOperation[];
  beforeAll(() => {
    methods = apiOperationsOf(fixture.get(clientId).resources);
  });

  test('the methods in the API definition are exactly the catalogue routes, and no method is a resource of its own', () => {
    const { resources } = fixture.get(clientId);
    for (const type of ['AWS::ApiGateway::Resource', 'AWS::ApiGateway::Method', 'AWS::ApiGateway::Authorizer', 'AWS::ApiGateway::RequestValidator', 'AWS::ApiGateway::GatewayResponse']) {
      expect({ type, resources: resourcesOfType(resources, type).map(([id]) => id) }).toEqual({ type, resources: [] });
    }
    const inTemplate = methods.map(keyOf).sort();
    expect(inTemplate).toEqual(routesOf(clientId).map(keyOf).sort());
    expect(new Set(inTemplate).size).toBe(inTemplate.length);
  });

  test("the catalogue marks only health, the API description, the signed ServiceNow call, the site's view beacon and the site's sign-in public", () => {
    expect(API_ROUTES.filter((r) => r.auth === 'none').map(keyOf).sort()).toEqual([...PUBLIC_ROUTES, ...SIGN_IN_ROUTES].sort());
    expect(methods.filter((m) => SIGN_IN_ROUTES.includes(keyOf(m))).length).toBe(signsIn(clientId) ? SIGN_IN_ROUTES.length : 0);
  });

  test('every method but the public ones requires a Cognito user pool token', () => {
    const { resources } = fixture.get(clientId);
    const userPools = resourcesOfType(resources, 'AWS::Cognito::UserPool').map(([id]) => id);
    expect(userPools).toHaveLength(1);
    const body = restApiBodyOf(resources);
    // No API-wide default: a method without its own requirement is public.
    expect(body.security).toBeUndefined();
    const schemes = body.components.securitySchemes as Record<string, any>;
    const publicRoutes = [...PUBLIC_ROUTES, ...SIGN_IN_ROUTES];
    const protectedMethods = methods.filter((m) => !publicRoutes.includes(keyOf(m)));
    expect(protectedMethods.length).toBe(routesOf(clientId).filter((r) => r.auth === 'token').length);
    for (const m of protectedMethods) {
      const requirements = m.operation.security as Record<string, string[]>[] | undefined;
      expect({ route: keyOf(m), requirements: requirements?.length, schemes: requirements?.map((r) => Object.keys(r).length) }).toEqual({
        route: keyOf(m),
        requirements: 1,
        schemes: [1],
      });
      const [schemeName] = Object.keys(requirements![0]!);
      const scheme = schemes[schemeName!];
      // The authorizer API Gateway creates for the scheme reads the Authorization header…
      expect({ route: keyOf(m), scheme }).toMatchObject({
        route: keyOf(m),
        scheme: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          'x-amazon-apigateway-authtype': 'cognito_user_pools',
          'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools' },
        },
      });
      // …and trusts this stack's user pool and nothing else.
      expect(scheme['x-amazon-apigateway-authorizer'].providerARNs.map(referencedId)).toEqual(userPools);
    }
  });

  test('GET /health and GET /openapi.json are public', () => {
    for (const key of PUBLIC_ROUTES) {
      const m = methods.find((x) => keyOf(x) === key);
      expect(m).toBeDefined();
      expect({ key, security: m!.operation.security, auth: m!.operation['x-amazon-apigateway-auth'] }).toEqual({
        key,
        security: undefined,
        auth: undefined,
      });
    }
  });

  test("each method proxies to the function serving its route's group", () => {
    const { resources } = fixture.get(clientId);
    const functionForEntry = new Map(
      resourcesOfType(resources, 'AWS::Lambda::Function').map(([id, r]) => [r.Metadata?.[ENTRY_METADATA] as string, id]),
    );
    // The stack invokes every function through its live alias (src/stack/itsm-releases.ts).
    const liveAliasOf = new Map(resourcesOfType(resources, 'AWS::Lambda::Alias').map(([id, a]) => [referencedId(a.Properties.FunctionName), id]));
    for (const route of routesOf(clientId)) {
      const m = methods.find((x) => keyOf(x) === keyOf(route))!;
      const expectedFunction = liveAliasOf.get(functionForEntry.get(GROUP_ENTRIES[route.group]));
      expect(expectedFunction).toBeDefined();
      const integration = m.operation['x-amazon-apigateway-integration'];
      expect({ route: keyOf(route), type: integration.type, httpMethod: integration.httpMethod, fn: integratedFunctionIds(m.operation) }).toEqual({
        route: keyOf(route),
        type: 'aws_proxy',
        httpMethod: 'POST',
        fn: [expectedFunction],
      });
      expect(renderArn(integration.uri)).toBe(`arn:\${AWS::Partition}:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${${expectedFunction}}/invocations`);
      expect(m.operation.operationId).toBe(route.operationId);
    }
  });

  // One permission per function rather than per method (a CloudFormation stack holds at most 500
  // resources): API Gateway may invoke a function through this API's stage only, and the API
  // definition routes to it only its own group's paths (test above).
  test('API Gateway may invoke each API function only through this API\'s stage, one permission per function', () => {
    const { resources } = fixture.get(clientId);
    const permissions = resourcesOfType(resources, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    const [apiId] = resourcesOfType(resources, 'AWS::ApiGateway::RestApi')[0]!;
    const stageId = resourcesOfType(resources, 'AWS::ApiGateway::Stage')[0]![0];
    const apiFunctions = [...new Set(methods.flatMap((m) => integratedFunctionIds(m.operation)))].sort();
    expect(permissions.map(([, p]) => referencedId(p.Properties.FunctionName)).sort()).toEqual(apiFunctions);
    for (const [logicalId, p] of permissions) {
      expect({ logicalId, action: p.Properties.Action, arn: renderArn(p.Properties.SourceArn) }).toEqual({
        logicalId,
        action: 'lambda:InvokeFunction',
        // …:execute-api:<region>:<account>:${Api}/${Stage}/<any method>/<any path>: not the test-invoke-stage.
        arn: expect.stringMatching(new RegExp(`:execute-api:[a-z0-9-]+:\\d{12}:\\$\\{${apiId}\\}/\\$\\{${stageId}\\}/\\*/\\*$`)),
      });
    }
  });

  // With no authorization scopes, API Gateway's Cognito authorizer accepts ID tokens only and would
  // refuse the integration client's client-credentials access tokens. Every token method therefore
  // lists two scopes: the machine scope of its function group, and the scope of every person's
  // access token; roles still decide what each caller may do.
  test('token methods require an access token: the machine scope of their group, or a person\'s sign-in scope', () => {
    const { resources } = fixture.get(clientId);
    const declared = new Set(
      resourcesOfType(resources, 'AWS::Cognito::UserPoolResourceServer').flatMap(([, r]) =>
        (r.Properties.Scopes as { ScopeName: string }[]).map((scope) => `${r.Properties.Identifier}/${scope.ScopeName}`),
      ),
    );
    for (const m of methods.filter((x) => !PUBLIC_ROUTES.includes(keyOf(x)) && !SIGN_IN_ROUTES.includes(keyOf(x)))) {
      const route = API_ROUTES.find((r) => `${r.method} ${r.path}` === keyOf(m))!;
      // The scopes of the security requirement are what API Gateway sets as the method's authorization scopes.
      const scopes = Object.values(m.operation.security[0])[0];
      expect({ route: keyOf(m), scopes }).toEqual({ route: keyOf(m), scopes: [machineScopeOf(route), PEOPLE_SCOPE] });
      expect({ route: keyOf(m), declared: declared.has(machineScopeOf(route)) }).toEqual({ route: keyOf(m), declared: true });
    }
    for (const m of methods.filter((x) => PUBLIC_ROUTES.includes(keyOf(x)) || SIGN_IN_ROUTES.includes(keyOf(x)))) expect(m.operation.security).toBeUndefined();
  });
});

describe.each(['example', 'acme-us'])('%s: stage', (clientId) => {
  test('the stage is traced, throttled and access-logged to an encrypted log group; bodies are not logged', () => {
    const { resources, template } = fixture.get(clientId);
    const stages = resourcesOfType(resources, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const [, stage] = stages[0]!;
    expect(stage.Properties.TracingEnabled).toBe(true);

    const all = stage.Properties.MethodSettings.find((s: any) => s.HttpMethod === '*' && s.ResourcePath === '/*');
    expect(all).toBeDefined();
    expect(all.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(all.ThrottlingBurstLimit).toBeGreaterThan(0);
    expect(all.ThrottlingBurstLimit).toBeGreaterThanOrEqual(all.ThrottlingRateLimit);
    expect(all.DataTraceEnabled).toBe(false);
    expect(all.MetricsEnabled).toBe(true);
    // No method overrides switch throttling off or turn body logging on.
    for (const s of stage.Properties.MethodSettings) {
      expect(s.DataTraceEnabled).not.toBe(true);
      if (s.ThrottlingRateLimit !== undefined) expect(s.ThrottlingRateLimit).toBeGreaterThan(0);
    }

    const logGroupId = referencedId(stage.Properties.AccessLogSetting?.DestinationArn);
    expect(logGroupId).toBeDefined();
    expect(resources[logGroupId!]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: expect.anything() } });
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      status: '$context.status',
    });

    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });
});

describe.each(['example', 'acme-us'])('%s: stage hardening', (clientId) => {
  const stageOf = (resources: ReturnType<typeof fixture.get>['resources']) => {
    const stages = resourcesOfType(resources, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    return stages[0]!;
  };

  test('a WAF web ACL (regional) with a per-IP rate rule and the AWS managed rule groups protects the stage', () => {
    const { resources } = fixture.get(clientId);
    const [stageId] = stageOf(resources);
    const acls = resourcesOfType(resources, 'AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    const [aclId, acl] = acls[0]!;
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });

    const rules = acl.Properties.Rules as any[];
    const managed = rules.filter((r) => r.Statement.ManagedRuleGroupStatement).map((r) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((m) => `${m.VendorName}/${m.Name}`).sort()).toEqual(
      ['AWS/AWSManagedRulesAmazonIpReputationList', 'AWS/AWSManagedRulesCommonRuleSet', 'AWS/AWSManagedRulesKnownBadInputsRuleSet'],
    );
    // Managed groups keep their own block actions; only SizeRestrictions_BODY (8 KB) is counted,
    // because the functions accept bodies up to 64 KB and answer 413 problem+json above that.
    for (const r of rules.filter((x) => x.Statement.ManagedRuleGroupStatement)) expect(r.OverrideAction).toEqual({ None: {} });
    const overrides = managed.flatMap((m) => (m.RuleActionOverrides ?? []).map((o: any) => ({ group: m.Name, rule: o.Name, action: o.ActionToUse })));
    expect(overrides).toEqual([{ group: 'AWSManagedRulesCommonRuleSet', rule: 'SizeRestrictions_BODY', action: { Count: {} } }]);

    const rate = rules.filter((r) => r.Statement.RateBasedStatement);
    // Per IP on the public paths only (test/infra/api-edge.test.ts), per IP, and per caller.
    expect(rate.map((r) => r.Statement.RateBasedStatement.AggregateKeyType).sort()).toEqual(['CUSTOM_KEYS', 'IP', 'IP']);
    expect(rate[0].Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', Limit: expect.any(Number) });
    expect(rate[0].Action.Block.CustomResponse.ResponseCode).toBe(429);
    const body = acl.Properties.CustomResponseBodies[rate[0].Action.Block.CustomResponse.CustomResponseBodyKey];
    expect(JSON.parse(body.Content)).toMatchObject({ type: 'about:blank', status: 429, title: expect.any(String) });
    // Rules are evaluated in a fixed, distinct order with metrics on.
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
    for (const r of rules) expect(r.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true });

    const associations = resourcesOfType(resources, 'AWS::WAFv2::WebACLAssociation').map(([, a]) => a.Properties);
    expect(associations).toHaveLength(1);
    expect(referencedId(associations[0].WebACLArn)).toBe(aclId);
    expect(renderArn(associations[0].ResourceArn)).toMatch(new RegExp(`:apigateway:[a-z0-9-]+::/restapis/\\$\\{\\w+\\}/stages/\\$\\{${stageId}\\}$`));
  });

  test('every method has the request validator, which checks parameters and leaves bodies to the functions', () => {
    const { resources } = fixture.get(clientId);
    const body = restApiBodyOf(resources);
    const validators = Object.entries(body['x-amazon-apigateway-request-validators'] ?? {}) as [string, any][];
    expect(validators).toHaveLength(1);
    const [validatorName, validator] = validators[0]!;
    expect(validator).toEqual({ validateRequestParameters: true, validateRequestBody: false });
    for (const m of apiOperationsOf(resources)) {
      expect({ route: keyOf(m), validator: m.operation['x-amazon-apigateway-request-validator'] }).toEqual({ route: keyOf(m), validator: validatorName });
      // No request models: API Gateway never refuses a body before the function explains why.
      expect(m.operation.requestBody).toBeUndefined();
      for (const [, name] of m.path.matchAll(/\{([^}]+)\}/g)) {
        const parameter = (m.operation.parameters ?? []).find((p: any) => p.in === 'path' && p.name === name);
        expect({ route: keyOf(m), name, required: parameter?.required }).toEqual({ route: keyOf(m), name, required: true });
      }
    }
  });

  test('a usage plan binds the stage with throttling and no API key is required', () => {
    const { resources } = fixture.get(clientId);
    const [stageId, stage] = stageOf(resources);
    const plans = resourcesOfType(resources, 'AWS::ApiGateway::UsagePlan').map(([, p]) => p.Properties);
    expect(plans).toHaveLength(1);
    expect(plans[0].ApiStages.map((s: any) => referencedId(s.Stage))).toEqual([stageId]);
    expect(plans[0].Throttle.RateLimit).toBeGreaterThan(0);
    expect(plans[0].Throttle.BurstLimit).toBeGreaterThanOrEqual(plans[0].Throttle.RateLimit);
    expect(resourcesOfType(resources, 'AWS::ApiGateway::ApiKey')).toEqual([]);
    // No method requires an API key: the only security scheme is the Cognito user pool.
    const body = restApiBodyOf(resources);
    expect(body['x-amazon-apigateway-api-key-source']).toBeUndefined();
    for (const scheme of Object.values(body.components.securitySchemes) as any[]) expect(scheme['x-amazon-apigateway-authtype']).toBe('cognito_user_pools');
    // Execution logging stays on for every method.
    expect(stage.Properties.MethodSettings.find((s: any) => s.ResourcePath === '/*').LoggingLevel).toMatch(/^(INFO|ERROR)$/);
  });

  test('the execution log group exists before the stage, encrypted and with the client retention', () => {
    const { resources, config } = fixture.get(clientId);
    const [stageId, stage] = stageOf(resources);
    const execution = resourcesOfType(resources, 'AWS::Logs::LogGroup').filter(([, g]) =>
      renderArn(g.Properties.LogGroupName ?? '').startsWith('API-Gateway-Execution-Logs_'),
    );
    expect(execution).toHaveLength(1);
    const [groupId, group] = execution[0]!;
    expect(renderArn(group.Properties.LogGroupName)).toMatch(new RegExp(`^API-Gateway-Execution-Logs_\\$\\{\\w+\\}/${stage.Properties.StageName}$`));
    expect(group.Properties).toMatchObject({ RetentionInDays: config.logRetentionDays, KmsKeyId: expect.anything() });
    // Otherwise API Gateway creates it first, unencrypted and never expiring.
    expect({ stageId, dependsOn: stage.DependsOn ?? [] }).toEqual({ stageId, dependsOn: expect.arrayContaining([groupId]) });
  });
});

describe.each(['example', 'acme-us'])('%s: abuse limits', (clientId) => {
  test('the per-IP rate rule answers 429 with Retry-After and a problem body', () => {
    const { resources } = fixture.get(clientId);
    const [[, acl]] = resourcesOfType(resources, 'AWS::WAFv2::WebACL');
    const rate = acl!.Properties.Rules.find((r: { Statement: Record<string, unknown> }) => 'RateBasedStatement' in r.Statement);
    expect(rate.Statement.RateBasedStatement.AggregateKeyType).toBe('IP');
    const response = rate.Action.Block.CustomResponse;
    expect(response.ResponseCode).toBe(429);
    expect(response.ResponseHeaders).toEqual([{ Name: 'Retry-After', Value: '60' }]);
    const body = acl!.Properties.CustomResponseBodies[response.CustomResponseBodyKey];
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toMatchObject({ status: 429 });
  });
});

describe.each(['example', 'acme-us'])('%s: per-caller limit', (clientId) => {
  test('each bearer token has its own rate limit, answered with 429, Retry-After and a problem body, before the managed rules', () => {
    const { resources } = fixture.get(clientId);
    const [[, acl]] = resourcesOfType(resources, 'AWS::WAFv2::WebACL');
    const rules = acl!.Properties.Rules as { Name: string; Priority: number; Statement: Record<string, any>; Action?: any }[];
    const perCaller = rules.find((r) => r.Statement['RateBasedStatement']?.AggregateKeyType === 'CUSTOM_KEYS')!;
    expect(perCaller.Statement['RateBasedStatement']).toMatchObject({
      EvaluationWindowSec: 60,
      Limit: 600,
      CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
    });
    expect(perCaller.Action.Block.CustomResponse).toMatchObject({ ResponseCode: 429, ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }] });
    const body = acl!.Properties.CustomResponseBodies[perCaller.Action.Block.CustomResponse.CustomResponseBodyKey];
    expect(JSON.parse(body.Content)).toMatchObject({ status: 429, detail: expect.stringContaining('token') });
    const managed = rules.filter((r) => r.Statement['ManagedRuleGroupStatement']);
    expect(Math.max(...rules.filter((r) => r.Statement['RateBasedStatement']).map((r) => r.Priority))).toBeLessThan(Math.min(...managed.map((r) => r.Priority)));
  });
});

describe.each(['example', 'acme-us'])('%s: identity', (clientId) => {
  test("people's tokens cannot change their own login: the API's people scope comes from the meta function's V2_0 pre-token trigger, no method accepts Cognito's self-service scope, and a changed email waits for verification", () => {
    const { resources } = fixture.get(clientId);
    const [[, pool]] = resourcesOfType(resources, 'AWS::Cognito::UserPool') as [[string, any]];
    // Access-token customisation (V2_0) needs the Essentials or Plus feature plan.
    expect(pool.Properties.UserPoolTier).toBe('PLUS');
    expect(pool.Properties.LambdaConfig.PreTokenGenerationConfig.LambdaVersion).toBe('V2_0');
    const trigger = referencedId(pool.Properties.LambdaConfig.PreTokenGenerationConfig.LambdaArn)!;
    expect(resources[trigger]!.Type).toBe('AWS::Lambda::Alias');
    expect(resources[functionOfAlias(resources, trigger)]!.Metadata[ENTRY_METADATA]).toBe(HANDLER_ENTRIES.meta);
    // Cognito may invoke it, from this pool only.
    const invokers = resourcesOfType(resources, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'cognito-idp.amazonaws.com');
    expect(invokers.map(([, p]) => referencedId(p.Properties.FunctionName))).toEqual([trigger]);
    // The people scope is not the resource server's: no app client can be granted it.
    const declared = resourcesOfType(resources, 'AWS::Cognito::UserPoolResourceServer').flatMap(([, r]) => (r.Properties.Scopes as { ScopeName: string }[]).map((x) => `${r.Properties.Identifier}/${x.ScopeName}`));
    expect(PEOPLE_SCOPE).toBe('itsm/people');
    expect(declared).not.toContain(PEOPLE_SCOPE);
    const methodScopes = apiOperationsOf(resources).flatMap((m) => (m.operation.security ?? []).flatMap((requirement: Record<string, string[]>) => Object.values(requirement).flat()));
    expect(methodScopes).toContain(PEOPLE_SCOPE);
    expect(methodScopes).not.toContain(COGNITO_SELF_SERVICE_SCOPE);
    // keepOriginal: until the new address is verified, the original stays the one to sign in and recover with.
    expect(pool.Properties.UserAttributeUpdateSettings).toEqual({ AttributesRequireVerificationBeforeUpdate: ['email'] });
  });

  test('the user pool requires MFA, strong passwords and admin-created users only', () => {
    const { template } = fixture.get(clientId);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: Match.arrayWith(['SOFTWARE_TOKEN_MFA']),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: Match.objectLike({
          RequireUppercase: true,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      DeletionProtection: 'ACTIVE',
    });
    const pools = template.findResources('AWS::Cognito::UserPool');
    for (const pool of Object.values(pools)) {
      expect(pool.Properties.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(10);
      // SMS MFA is phishable and costs money: only authenticator apps.
      expect(pool.Properties.EnabledMfas).not.toContain('SMS_MFA');
      expect(pool.DeletionPolicy).toBe('Retain');
    }
  });

  test('one group per human role exists in the pool', () => {
    const { resources } = fixture.get(clientId);
    const [poolId] = resourcesOfType(resources, 'AWS::Cognito::UserPool')[0]!;
    const groups = resourcesOfType(resources, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties);
    expect(groups.map((g) => g.GroupName).sort()).toEqual(
      ['requester', 'agent', 'service-owner', 'engineer', 'change-manager', 'auditor', 'admin', 'cab', 'emergency-approver', 'client-approver', 'security-manager'].sort(),
    );
    for (const g of groups) expect(referencedId(g.UserPoolId)).toBe(poolId);
  });

  test('the desk client signs people in with SRP and no client secret; tokens live an hour', () => {
    const { template } = fixture.get(clientId);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
    });
    for (const client of Object.values(template.findResources('AWS::Cognito::UserPoolClient'))) {
      // Password-in-the-clear flows are never enabled.
      expect(client.Properties.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_PASSWORD_AUTH');
      expect(client.Properties.ExplicitAuthFlows ?? []).not.toContain('ALLOW_ADMIN_USER_PASSWORD_AUTH');
    }
  });

  test('the integration client uses only the client-credentials grant with the itsm scopes', () => {
    const { template } = fixture.get(clientId);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['client_credentials'],
      GenerateSecret: true,
      AllowedOAuthScopes: [
        { 'Fn::Join': ['', [Match.anyValue(), '/incidents.read']] },
        { 'Fn::Join': ['', [Match.anyValue(), '/incidents.write']] },
      ],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', { Identifier: 'itsm' });
  });

  test('the desk client enables no OAuth grant and no placeholder callback URL', () => {
    const { resources } = fixture.get(clientId);
    const desk = resourcesOfType(resources, 'AWS::Cognito::UserPoolClient').find(([, c]) => c.Properties.GenerateSecret === false);
    expect(desk).toBeDefined();
    expect(desk![1].Properties.AllowedOAuthFlows ?? []).not.toContain('implicit');
    expect(desk![1].Properties.CallbackURLs ?? []).not.toContain('https://example.com');
  });
});

/** The definition's gateway responses, in AWS::ApiGateway::GatewayResponse's property names. */
function gatewayResponsesOf(resources: Readonly<Record<string, CfnResourceJson>>) {
  const responses = restApiBodyOf(resources)['x-amazon-apigateway-gateway-responses'] as Record<string, any>;
  return Object.entries(responses ?? {}).map(([type, r]) => ({
    ResponseType: type,
    StatusCode: r.statusCode as string,
    ResponseParameters: r.responseParameters as Record<string, string> | undefined,
    ResponseTemplates: r.responseTemplates as Record<string, string> | undefined,
  }));
}

describe.each(['example', 'acme-us'])('%s: gateway responses', (clientId) => {
  test('errors API Gateway raises itself answer application/problem+json', () => {
    const { resources } = fixture.get(clientId);
    const responses = gatewayResponsesOf(resources);
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(expect.arrayContaining(['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED']));
    for (const r of responses) {
      expect({ type: r.ResponseType, contentType: r.ResponseParameters?.['gatewayresponse.header.Content-Type'] }).toEqual({
        type: r.ResponseType,
        contentType: "'application/problem+json'",
      });
      const templates = Object.values(r.ResponseTemplates ?? {}) as string[];
      expect(templates.length).toBeGreaterThan(0);
      for (const body of templates) {
        // After API Gateway substitutes the $context variables the body must still be an RFC 9457 document.
        expect(JSON.parse(substituteContext(body))).toEqual(
          expect.objectContaining({ type: expect.any(String), title: expect.any(String), status: expect.anything(), detail: expect.any(String) }),
        );
      }
    }
  });

  test('401 asks for a bearer token', () => {
    expect(gatewayResponsesOf(fixture.get(clientId).resources)).toContainEqual(
      expect.objectContaining({
        ResponseType: 'UNAUTHORIZED',
        StatusCode: '401',
        ResponseParameters: expect.objectContaining({ 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" }),
      }),
    );
  });

  test('every problem body carries a numeric status', () => {
    const { resources } = fixture.get(clientId);
    for (const r of gatewayResponsesOf(resources)) {
      for (const body of Object.values(r.ResponseTemplates ?? {}) as string[]) {
        expect({ type: r.ResponseType, status: typeof JSON.parse(substituteContext(body)).status }).toEqual({
          type: r.ResponseType,
          status: 'number',
        });
      }
    }
  });
});

/** What API Gateway does to a template: `$context.error.messageString` arrives already quoted. */
function substituteContext(body: string): string {
  return body.replace(/\$context\.error\.messageString/g, '"a \\"quoted\\" message"').replace(/\$context\.[\w.]+/g, 'x');
}
