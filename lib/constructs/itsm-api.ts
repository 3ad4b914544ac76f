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
  type IResource,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES, type FunctionGroup } from '../../lambdas/schemas/api-catalogue';

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
}

/**
 * The REST API: one method per catalogue route, each behind the Cognito authorizer unless the
 * catalogue marks it public (health and the API description only). Errors API Gateway raises
 * itself (bad token, throttling) are answered as problem+json like the functions' own.
 */
export class ItsmApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: ItsmApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, encryptionKey: props.logKey });
    this.api = new RestApi(this, 'Api', {
      restApiName: `rowe-itsm-${props.clientId}`,
      description: `rowe-itsm service management API for ${props.clientId}`,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: props.rateLimit ?? 50,
        throttlingBurstLimit: props.burstLimit ?? 100,
      },
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
      resource.addMethod(
        route.method,
        integration,
        route.auth === 'none'
          ? { authorizationType: AuthorizationType.NONE, operationName: route.operationId }
          : { authorizationType: AuthorizationType.COGNITO, authorizer, operationName: route.operationId },
      );
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
