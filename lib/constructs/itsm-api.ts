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

    const problemHeaders = { 'Content-Type': "'application/problem+json'" };
    const problemBody = (status: number, title: string) =>
      JSON.stringify({ type: 'about:blank', title, status, detail: '$context.error.message', instance: '$context.path' });
    this.api.addGatewayResponse('Unauthorized', {
      type: ResponseType.UNAUTHORIZED,
      statusCode: '401',
      responseHeaders: { ...problemHeaders, 'WWW-Authenticate': "'Bearer'" },
      templates: { 'application/json': problemBody(401, 'Authentication required') },
    });
    this.api.addGatewayResponse('Default4xx', {
      type: ResponseType.DEFAULT_4XX,
      responseHeaders: problemHeaders,
      templates: { 'application/json': JSON.stringify({ type: 'about:blank', title: 'Request refused', status: '$context.error.responseType', detail: '$context.error.message', instance: '$context.path' }) },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: ResponseType.DEFAULT_5XX,
      responseHeaders: problemHeaders,
      templates: { 'application/json': problemBody(502, 'Upstream failure') },
    });
  }
}
