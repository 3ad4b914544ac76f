import {
  AccessLogField,
  AccessLogFormat,
  ApiDefinition,
  EndpointType,
  LogGroupLogDestination,
  MethodLoggingLevel,
  SecurityPolicy,
  SpecRestApi,
  type CfnRestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Aws, Stack, type CfnResource } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ClientConfig } from '../config/client-config-schema';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES, type FunctionGroup } from '../api/api-catalogue';
import { OPTIONAL_FUNCTION_GROUPS } from '../kernel/http/route-declaration';
import { apiDefinitionOf, requestParametersOf } from './itsm-api-definition';
import { ItsmApiFirewall } from '../kernel/infra/itsm-api-firewall';
import { acknowledgeNagFinding } from '../kernel/infra/nag-acknowledgements';

export { requestParametersOf };

export interface ItsmApiProps {
  readonly clientId: string;
  readonly userPool: IUserPool;
  /** The function serving each route group of the catalogue: its live alias (ItsmFunction `live`). */
  readonly functions: Readonly<Partial<Record<FunctionGroup, IFunction>>>;
  /**
   * Who may reach the API (client config `api.access`): `public`; a PRIVATE endpoint whose
   * resource policy allows execute-api:Invoke only through the listed VPC endpoints; or AWS WAF
   * blocking every source address outside the VPN's CIDR blocks.
   * @default 'public'
   */
  readonly access?: ApiAccess;
  readonly logRetention: RetentionDays;
  readonly logKey: IKey;
  /**
   * Steady-state requests per second for the whole stage.
   * @default 50
   */
  readonly rateLimit?: number;
  /** @default 100 */
  readonly burstLimit?: number;
  /**
   * Client config `api.customDomain`: the API is served at this name, over TLS 1.2 or later, and
   * the default execute-api endpoint is disabled (no way round the domain's TLS policy).
   * @default the execute-api endpoint only
   */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /**
   * Steady-state requests per second each public path (health, the API description) may take of
   * the stage, so that callers without a token cannot exhaust its throttle.
   * @default 5 (burst 10)
   */
  readonly publicPathRateLimit?: number;
  /**
   * Requests one client IP address may make in any 5 minutes (AWS WAF rate-based rule).
   * @default 3000
   */
  readonly requestsPerIpPer5Minutes?: number;
}

export const STAGE_NAME = 'v1';

/**
 * The stage's access log line: the standard fields, plus who called (the authorizer's claims:
 * `sub`, a person's username, the app client's id), so every request is attributable.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: AccessLogField.contextRequestId(),
  ip: AccessLogField.contextIdentitySourceIp(),
  requestTime: AccessLogField.contextRequestTime(),
  httpMethod: AccessLogField.contextHttpMethod(),
  resourcePath: AccessLogField.contextResourcePath(),
  status: AccessLogField.contextStatus(),
  protocol: AccessLogField.contextProtocol(),
  responseLength: AccessLogField.contextResponseLength(),
  sub: AccessLogField.contextAuthorizerClaims('sub'),
  username: AccessLogField.contextAuthorizerClaims('username'),
  clientId: AccessLogField.contextAuthorizerClaims('client_id'),
};

export type ApiAccess = ClientConfig['api']['access'];

/**
 * The resource policy of a private API: invoke through the listed VPC endpoints only. The Allow
 * admits callers (each method still asks for its token); the Deny refuses any request that does
 * not come through one of the endpoints, whatever else would allow it.
 */
export function privateApiPolicy(vpcEndpointIds: readonly string[]): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: 'InvokeThroughTheClientsVpcEndpoints',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { StringEquals: { 'aws:SourceVpce': [...vpcEndpointIds] } },
      }),
      new PolicyStatement({
        sid: 'DenyEveryOtherSource',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:SourceVpce': [...vpcEndpointIds] } },
      }),
    ],
  });
}

/**
 * Why each public route (catalogue `auth: 'none'`) has no authorizer. A route made public
 * without a reason here fails the synth; the reason is the operation's description in the API
 * definition (docs/security.md lists them).
 */
const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  'GET /health':
    'Public by design: the unauthenticated liveness probe for monitoring; it answers a fixed status and reads no client data.',
  'GET /openapi.json':
    'Public by design: the OpenAPI description generated from the route catalogue, readable before a caller holds a token; it holds no client data.',
  'POST /knowledge/{id}/views':
    "No token by design: the self-help site's public article pages call it (a beacon through the site's own CloudFront address) when opened. It only counts a read of an article that is published and public (anything else is 404), reads nothing back, and is rate-limited per address with the other public paths.",
  'GET /auth/sign-in':
    "No token by design: the sign-in page of a self-help site behind the client's sign-in (CloudFront shows it to a viewer without signed cookies). A fixed page with one link; only stacks whose site has access \"client\" have it.",
  'GET /auth/start':
    "No token by design: starts a site sign-in (a redirect to the user pool's hosted UI, authorization code with PKCE; state and verifier in a short-lived HttpOnly cookie). Reads no data.",
  'GET /auth/callback':
    'No token by design: the hosted UI returns here with a code, which only completes with the PKCE verifier of the browser that started the sign-in; the ID token is verified against the user pool and the user must be in a reader group before the signed cookies are set.',
  'GET /auth/sign-out':
    "No token by design: expires the site's signed cookies and sends the browser to the hosted UI's sign-out. Reads no data.",
  'POST /integrations/servicenow/events':
    "No token by design: the client's ServiceNow business rule cannot hold a Cognito token; each call is HMAC-signed with a shared key (Secrets Manager) and refused with 401 when the signature is bad or older than 5 minutes. The call only names a record, which is read back through the Table API.",
};

/**
 * The REST API: one method per catalogue route, each behind the Cognito authorizer unless the
 * catalogue marks it public (health and the API description only). Errors API Gateway raises
 * itself (bad token, throttling) are answered as problem+json like the functions' own.
 *
 * Paths, methods, the authorizer, the request validator and the gateway responses are the API's
 * OpenAPI definition (its `Body`, see itsm-api-definition.ts), not one CloudFormation resource
 * each; API Gateway may invoke each function through this API's stage, one permission per function.
 *
 * Hardening: a request validator on every method (parameters only: the functions validate
 * bodies and name the offending field), access and execution logs in encrypted log groups kept
 * for the client's retention, X-Ray, stage throttling with a usage plan on the stage, and AWS
 * WAF (see ItsmApiFirewall).
 */
export class ItsmApi extends Construct {
  readonly api: SpecRestApi;
  readonly firewall: ItsmApiFirewall;
  /**
   * Where another distribution (the self-help site's) reaches this API over the internet: the
   * custom domain (mapped to the stage at its root) or the execute-api endpoint with the stage's
   * path. Undefined when the API admits only a private network or the VPN's addresses.
   */
  readonly internetOrigin?: { readonly domainName: string; readonly originPath: string };

  constructor(scope: Construct, id: string, props: ItsmApiProps) {
    super(scope, id);
    const access = props.access ?? 'public';
    const privateEndpoints = typeof access === 'object' && access.mode === 'private' ? access.vpcEndpointIds : undefined;
    const rateLimit = props.rateLimit ?? 50;
    const burstLimit = props.burstLimit ?? 100;
    const publicPathRateLimit = props.publicPathRateLimit ?? 5;
    // Every group's routes, but an optional group's only where the stack has its function.
    const missing = [...new Set(API_ROUTES.map((route) => route.group))].filter((group) => !props.functions[group] && !OPTIONAL_FUNCTION_GROUPS.includes(group));
    if (missing.length > 0) throw new Error(`No function serves the API's function group(s) ${missing.join(', ')}`);
    const routes = API_ROUTES.filter((route) => props.functions[route.group]);
    const publicRoutes = routes.filter((route) => route.auth === 'none');
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, encryptionKey: props.logKey });
    const restApiName = `rowe-itsm-${props.clientId}`;
    const description = `rowe-itsm service management API for ${props.clientId}`;
    const functionArns = Object.fromEntries(Object.entries(props.functions).map(([group, fn]) => [group, fn!.functionArn])) as Record<FunctionGroup, string>;
    const definition = apiDefinitionOf({
      title: restApiName,
      description,
      routes,
      userPoolArn: props.userPool.userPoolArn,
      functionArns,
      invokeUriOf: (functionArn) => `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      publicRouteReasons: PUBLIC_ROUTE_REASONS,
    });
    // SpecRestApi hashes the resolved definition into its deployment's logical id: a changed route
    // is a new deployment of the stage, as with RestApi's methods.
    this.api = new SpecRestApi(this, 'Api', {
      restApiName,
      description,
      apiDefinition: ApiDefinition.fromInline(definition),
      endpointTypes: [privateEndpoints ? EndpointType.PRIVATE : EndpointType.REGIONAL],
      ...(privateEndpoints && { policy: privateApiPolicy(privateEndpoints) }),
      ...(props.customDomain && {
        domainName: {
          domainName: props.customDomain.domainName,
          certificate: Certificate.fromCertificateArn(this, 'DomainCertificate', props.customDomain.certificateArn),
          securityPolicy: SecurityPolicy.TLS_1_2,
          endpointType: EndpointType.REGIONAL,
        },
        disableExecuteApiEndpoint: true,
      }),
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        // The public paths' own throttle: callers without a token cannot spend the stage's on them.
        methodOptions: Object.fromEntries(
          publicRoutes.map((route) => [
            `${route.path}/${route.method}`,
            // A method's settings replace the stage's for it: logging and metrics are repeated.
            { throttlingRateLimit: publicPathRateLimit, throttlingBurstLimit: publicPathRateLimit * 2, metricsEnabled: true, loggingLevel: MethodLoggingLevel.INFO, dataTraceEnabled: false },
          ]),
        ),
      },
    });

    if (access === 'public') {
      this.internetOrigin = props.customDomain
        ? { domainName: props.customDomain.domainName, originPath: '' }
        : { domainName: `${this.api.restApiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`, originPath: `/${STAGE_NAME}` };
    }

    // API Gateway would create the execution log group itself on first use: unencrypted and kept
    // forever. Created here first, with the data key and the client's retention.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${STAGE_NAME}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    // SpecRestApi passes its description to the deployment only.
    (this.api.node.defaultChild as CfnRestApi).description = description;

    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole')?.node.defaultChild as CfnResource | undefined;
    if (!cloudWatchRole) throw new Error('RestApi no longer creates CloudWatchRole: revisit the IAM4 acknowledgement');
    acknowledgeNagFinding(
      cloudWatchRole,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The API Gateway account role (AWS::ApiGateway::Account) is one per account and region, shared by every REST API ' +
        'there; the AWS-maintained AmazonAPIGatewayPushToCloudWatchLogs policy is what API Gateway documents for it, and a ' +
        'policy scoped to this API would cut off execution and access logs of any other API in the account.',
    );

    // Parameters only (the definition's one request validator): API Gateway's body validation
    // answers a bare 400, while the functions answer problem+json naming each invalid field
    // (RFC 9457), so they keep validating bodies.
    acknowledgeNagFinding(
      this.api.node.defaultChild as CfnResource,
      'AwsSolutions-APIG2',
      'Every method has a request validator for its declared parameters; bodies are validated on purpose by the functions, ' +
        'which answer RFC 9457 problem+json naming each invalid field. APIG2 only accepts a validator that also validates bodies.',
    );

    // This client's usage plan (client config api.throttle): the stage's throttle, bound to the
    // stage. Callers are told apart by their tokens, not API keys, so per-caller limits are WAF's
    // (per token and per address, ItsmApiFirewall); a plan per API key would need every caller to send one.
    this.api.addUsagePlan('UsagePlan', {
      description: `rowe-itsm ${props.clientId}: the client's usage plan (stage-wide throttling)`,
      throttle: { rateLimit, burstLimit },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });

    this.firewall = new ItsmApiFirewall(this, 'Firewall', {
      clientId: props.clientId,
      stage: this.api.deploymentStage,
      ...(props.requestsPerIpPer5Minutes !== undefined && { requestsPerIpPer5Minutes: props.requestsPerIpPer5Minutes }),
      ...(typeof access === 'object' && access.mode === 'vpn' && { allowedCidrs: access.allowedCidrs }),
      publicPaths: publicRoutes.map((route) => `/${STAGE_NAME}${route.path}`),
      logKey: props.logKey,
      logRetention: props.logRetention,
    });

    // One permission per function, for any method and path of this API's stage: the definition
    // routes to each function only its own group's paths (one permission per method would be one
    // CloudFormation resource per route). Test invocations from the console stay refused.
    const invokeFromStage = this.api.arnForExecuteApi('*', '/*', this.api.deploymentStage.stageName);
    const permitted = new Set<IFunction>();
    for (const route of routes) {
      const fn = props.functions[route.group]!;
      if (permitted.has(fn)) continue;
      permitted.add(fn);
      new CfnPermission(this, `Invoke${route.group[0]!.toUpperCase()}${route.group.slice(1)}`, {
        action: 'lambda:InvokeFunction',
        functionName: fn.functionArn,
        principal: 'apigateway.amazonaws.com',
        sourceArn: invokeFromStage,
      });
    }
  }
}
