import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  type CfnMethod,
  type IResource,
} from 'aws-cdk-lib/aws-apigateway';
import type { CfnResource } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as z from 'zod';
import { API_ROUTES, requiredScopesOf, routeKey, type ApiRoute, type FunctionGroup } from '../../api/api-catalogue';
import { ItsmApiFirewall } from './itsm-api-firewall';
import { acknowledgeNagFinding } from './nag-acknowledgements';

export interface ItsmApiProps {
  readonly clientId: string;
  readonly userPool: IUserPool;
  /** The function serving each route group of the catalogue. */
  readonly functions: Readonly<Record<FunctionGroup, IFunction>>;
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
   * Requests one client IP address may make in any 5 minutes (AWS WAF rate-based rule).
   * @default 3000
   */
  readonly requestsPerIpPer5Minutes?: number;
}

export const STAGE_NAME = 'v1';

/**
 * Why each public route (catalogue `auth: 'none'`) has no authorizer. A route made public
 * without a reason here fails the synth: cdk-nag's APIG4/COG4 findings are acknowledged with it.
 */
const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  'GET /health':
    'Public by design: the unauthenticated liveness probe for monitoring; it answers a fixed status and reads no client data.',
  'GET /openapi.json':
    'Public by design: the OpenAPI description generated from the route catalogue, readable before a caller holds a token; it holds no client data.',
};

/**
 * The request parameters each method declares for the request validator, from the catalogue:
 * path parameters (always required) and the query schema's fields (required unless optional).
 * Headers are not declared: a missing token is the authorizer's 401, a missing If-Match the
 * function's 428, both as problem+json.
 */
export function requestParametersOf(route: ApiRoute): Record<string, boolean> {
  const parameters: Record<string, boolean> = {};
  for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) parameters[`method.request.path.${name}`] = true;
  if (route.query instanceof z.ZodObject) {
    for (const [name, field] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
      parameters[`method.request.querystring.${name}`] = !field.safeParse(undefined).success;
    }
  }
  return parameters;
}

/**
 * The REST API: one method per catalogue route, each behind the Cognito authorizer unless the
 * catalogue marks it public (health and the API description only). Errors API Gateway raises
 * itself (bad token, throttling) are answered as problem+json like the functions' own.
 *
 * Hardening: a request validator on every method (parameters only: the functions validate
 * bodies and name the offending field), access and execution logs in encrypted log groups kept
 * for the client's retention, X-Ray, stage throttling with a usage plan on the stage, and AWS
 * WAF (see ItsmApiFirewall).
 */
export class ItsmApi extends Construct {
  readonly api: RestApi;
  readonly firewall: ItsmApiFirewall;

  constructor(scope: Construct, id: string, props: ItsmApiProps) {
    super(scope, id);
    const rateLimit = props.rateLimit ?? 50;
    const burstLimit = props.burstLimit ?? 100;
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, encryptionKey: props.logKey });
    this.api = new RestApi(this, 'Api', {
      restApiName: `rowe-itsm-${props.clientId}`,
      description: `rowe-itsm service management API for ${props.clientId}`,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
      },
    });

    // API Gateway would create the execution log group itself on first use: unencrypted and kept
    // forever. Created here first, with the data key and the client's retention.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${STAGE_NAME}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole')?.node.defaultChild as CfnResource | undefined;
    if (!cloudWatchRole) throw new Error('RestApi no longer creates CloudWatchRole: revisit the IAM4 acknowledgement');
    acknowledgeNagFinding(
      cloudWatchRole,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The API Gateway account role (AWS::ApiGateway::Account) is one per account and region, shared by every REST API ' +
        'there; the AWS-maintained AmazonAPIGatewayPushToCloudWatchLogs policy is what API Gateway documents for it, and a ' +
        'policy scoped to this API would cut off execution and access logs of any other API in the account.',
    );

    // Parameters only: API Gateway's body validation answers a bare 400, while the functions
    // answer problem+json naming each invalid field (RFC 9457), so they keep validating bodies.
    const requestValidator = this.api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters',
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    acknowledgeNagFinding(
      this.api.node.defaultChild as CfnResource,
      'AwsSolutions-APIG2',
      'Every method has a request validator for its declared parameters; bodies are validated on purpose by the functions, ' +
        'which answer RFC 9457 problem+json naming each invalid field. APIG2 only accepts a validator that also validates bodies.',
    );

    // Throttling for the stage as a whole, also as a usage plan bound to the stage (no API keys).
    this.api.addUsagePlan('UsagePlan', {
      description: `rowe-itsm ${props.clientId}: stage-wide throttling`,
      throttle: { rateLimit, burstLimit },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });

    this.firewall = new ItsmApiFirewall(this, 'Firewall', {
      clientId: props.clientId,
      stage: this.api.deploymentStage,
      ...(props.requestsPerIpPer5Minutes !== undefined && { requestsPerIpPer5Minutes: props.requestsPerIpPer5Minutes }),
    });

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: 'method.request.header.Authorization',
    });

    const integrations = new Map<FunctionGroup, LambdaIntegration>();
    for (const route of API_ROUTES) {
      let integration = integrations.get(route.group);
      if (!integration) {
        integration = new LambdaIntegration(props.functions[route.group], { proxy: true, allowTestInvoke: false });
        integrations.set(route.group, integration);
      }
      const resource = route.path
        .split('/')
        .filter(Boolean)
        .reduce<IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), this.api.root);
      const requestParameters = requestParametersOf(route);
      const common = {
        operationName: route.operationId,
        requestValidator,
        ...(Object.keys(requestParameters).length > 0 && { requestParameters }),
      };
      const method = resource.addMethod(
        route.method,
        integration,
        route.auth === 'none'
          ? { ...common, authorizationType: AuthorizationType.NONE }
          : { ...common, authorizationType: AuthorizationType.COGNITO, authorizer, authorizationScopes: [...requiredScopesOf(route)] },
      );
      if (route.auth === 'none') {
        const reason = PUBLIC_ROUTE_REASONS[routeKey(route)];
        if (!reason) throw new Error(`${routeKey(route)} is public but has no reason in PUBLIC_ROUTE_REASONS`);
        const cfnMethod = method.node.defaultChild as CfnMethod;
        acknowledgeNagFinding(cfnMethod, 'AwsSolutions-APIG4', reason);
        acknowledgeNagFinding(cfnMethod, 'AwsSolutions-COG4', reason);
      }
    }

    // Refusals API Gateway makes itself are answered as problem+json too, with numeric statuses.
    // `messageString` is the message already quoted for JSON, so a quote in it cannot break the body.
    const problemHeaders = { 'Content-Type': "'application/problem+json'" };
    const gatewayProblems: ReadonlyArray<[string, ResponseType, number, string, Record<string, string>?]> = [
      ['Unauthorized', ResponseType.UNAUTHORIZED, 401, 'Authentication required', { 'WWW-Authenticate': "'Bearer'" }],
      ['AccessDenied', ResponseType.ACCESS_DENIED, 403, 'Not allowed'],
      ['MissingToken', ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, 'Not found'],
      ['Throttled', ResponseType.THROTTLED, 429, 'Too many requests', { 'Retry-After': "'1'" }],
      ['QuotaExceeded', ResponseType.QUOTA_EXCEEDED, 429, 'Quota exceeded'],
      ['BadRequestBody', ResponseType.BAD_REQUEST_BODY, 400, 'The request is not valid'],
      ['BadRequestParameters', ResponseType.BAD_REQUEST_PARAMETERS, 400, 'The request is not valid'],
      ['TooLarge', ResponseType.REQUEST_TOO_LARGE, 413, 'The request is too large'],
      ['UnsupportedMediaType', ResponseType.UNSUPPORTED_MEDIA_TYPE, 415, 'The request body must be JSON'],
      ['Default4xx', ResponseType.DEFAULT_4XX, 400, 'Request refused'],
      ['Default5xx', ResponseType.DEFAULT_5XX, 502, 'Upstream failure'],
    ];
    for (const [id, type, status, title, headers] of gatewayProblems) {
      this.api.addGatewayResponse(id, {
        type,
        statusCode: String(status),
        responseHeaders: { ...problemHeaders, ...headers },
        templates: {
          'application/json': `{"type":"about:blank","title":"${title}","status":${status},"detail":$context.error.messageString,"instance":"$context.path"}`,
        },
      });
    }
  }
}
