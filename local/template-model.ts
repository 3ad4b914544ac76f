import type { CloudFormationTemplate } from './synthesize-stack';
import { ENTRY_METADATA, HANDLER_METADATA } from '../src/kernel/infra/itsm-function';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Reads what the local runtime serves out of a synthesized template. */

export interface TemplateRoute {
  readonly method: string;
  /** API Gateway resource path, e.g. /incidents/{id}. */
  readonly path: string;
  readonly authorization: 'NONE' | 'COGNITO_USER_POOLS' | string;
  /** OAuth scopes the method requires (one of them), as the template sets them. */
  readonly scopes: readonly string[];
  /** Logical id of the Lambda function integrated with this method. */
  readonly functionId: string;
}

export interface TemplateFunction {
  readonly logicalId: string;
  /** Handler source relative to the project root. */
  readonly entry: string;
  readonly handler: string;
  /** Environment variables, unresolved (Refs to tables stay as CloudFormation objects). */
  readonly environment: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number;
}

export interface TemplateTable {
  readonly logicalId: string;
  readonly definition: Omit<CreateTableCommandInput, 'TableName'>;
  readonly timeToLiveAttribute?: string;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * The methods of the template's REST API, from its OpenAPI definition (the RestApi's `Body`):
 * per operation the Cognito scheme it names under `security` and that requirement's scopes (none:
 * a public method) and the function its `x-amazon-apigateway-integration` URI invokes.
 */
export function routesOf(template: CloudFormationTemplate): TemplateRoute[] {
  const apis = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::RestApi');
  if (apis.length !== 1) throw new Error(`Expected one AWS::ApiGateway::RestApi in the template, found ${apis.length}`);
  const [apiId, api] = apis[0]!;
  const body = api.Properties?.Body as OpenApiBody | undefined;
  if (!body?.paths) throw new Error(`${apiId} has no OpenAPI Body with paths: the local gateway reads its routes from it`);
  const schemes = body.components?.securitySchemes ?? body.securityDefinitions ?? {};
  const routes: TemplateRoute[] = [];
  for (const [path, item] of Object.entries(body.paths)) {
    for (const [key, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(key) || key === 'options') continue;
      const requirements = operation.security ?? body.security ?? [];
      if (requirements.length > 1 || Object.keys(requirements[0] ?? {}).length > 1) {
        throw new Error(`${key.toUpperCase()} ${path}: only one security scheme per method is served locally`);
      }
      const [schemeName, scopes] = Object.entries(requirements[0] ?? {})[0] ?? [];
      let authorization = 'NONE';
      if (schemeName) {
        const authType = schemes[schemeName]?.['x-amazon-apigateway-authtype'];
        if (authType !== 'cognito_user_pools') throw new Error(`${key.toUpperCase()} ${path}: security scheme ${schemeName} is not a Cognito user pool (${authType})`);
        authorization = 'COGNITO_USER_POOLS';
      }
      const integration = operation['x-amazon-apigateway-integration'];
      if (integration?.type !== 'aws_proxy') throw new Error(`${key.toUpperCase()} ${path}: not a Lambda proxy integration`);
      routes.push({ method: key.toUpperCase(), path, authorization, scopes: scopes ?? [], functionId: functionIdIn(template, integration.uri) });
    }
  }
  return routes;
}

interface OpenApiOperation {
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly 'x-amazon-apigateway-integration'?: { readonly type?: string; readonly uri?: unknown };
}
interface OpenApiBody {
  readonly paths?: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
  readonly security?: OpenApiOperation['security'];
  readonly components?: { readonly securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
  readonly securityDefinitions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * The logical id of the one function a value invokes: an integration URI's Fn::Join, a rule
 * target's Arn, an event source mapping's FunctionName. The value names the function (`Fn::GetAtt`
 * Arn or `Ref`) or one of its aliases (`Ref`, e.g. the `live` alias the stack invokes through):
 * an alias is followed to the function it belongs to, so locally the function itself is invoked.
 */
export function functionIdIn(template: CloudFormationTemplate, value: unknown): string {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const ref = (v as { Ref?: unknown }).Ref;
      const getAtt = (v as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
      const id = typeof ref === 'string' ? ref : Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
      const functionId = id === undefined ? undefined : functionIdOfResource(template, id);
      if (functionId) found.add(functionId);
      else Object.values(v).forEach(visit);
    }
  };
  visit(value);
  if (found.size !== 1) {
    throw new Error(`${found.size === 0 ? 'No' : 'More than one'} Lambda function (or alias of one) in ${JSON.stringify(value)}`);
  }
  return [...found][0]!;
}

/** A function's logical id is itself; an alias's (or version's) is its function's; anything else has none. */
function functionIdOfResource(template: CloudFormationTemplate, logicalId: string): string | undefined {
  const resource = template.Resources[logicalId];
  if (resource?.Type === 'AWS::Lambda::Function') return logicalId;
  if (resource?.Type === 'AWS::Lambda::Alias' || resource?.Type === 'AWS::Lambda::Version') {
    const target = resource.Properties?.FunctionName as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | undefined;
    const id = typeof target?.Ref === 'string' ? target.Ref : Array.isArray(target?.['Fn::GetAtt']) ? (target['Fn::GetAtt'] as string[])[0] : undefined;
    return id !== undefined && template.Resources[id]?.Type === 'AWS::Lambda::Function' ? id : undefined;
  }
  return undefined;
}

export interface TemplateSchedule {
  readonly logicalId: string;
  readonly expression: string;
  /** Functions the rule targets. */
  readonly functionIds: readonly string[];
}

/** EventBridge rules that run on a schedule, and the functions they invoke. */
export function schedulesOf(template: CloudFormationTemplate): TemplateSchedule[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression)
    .map(([logicalId, r]) => ({
      logicalId,
      expression: r.Properties.ScheduleExpression as string,
      functionIds: (r.Properties.Targets ?? []).map((t: { Arn: unknown }) => functionIdIn(template, t.Arn)),
    }));
}

export interface TemplateEventRule {
  readonly logicalId: string;
  /** The rule's EventPattern exactly as the template holds it. */
  readonly eventPattern: unknown;
  /** Functions the rule targets. */
  readonly functionIds: readonly string[];
}

/** EventBridge rules that match events (EventPattern), and the functions they invoke. */
export function eventRulesOf(template: CloudFormationTemplate): TemplateEventRule[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern && (r.Properties.State ?? 'ENABLED') === 'ENABLED')
    .map(([logicalId, r]) => ({
      logicalId,
      eventPattern: r.Properties.EventPattern,
      functionIds: (r.Properties.Targets ?? []).map((t: { Arn: unknown }) => functionIdIn(template, t.Arn)),
    }));
}

/**
 * Path patterns of the self-help site's distribution that CloudFront forwards to a custom origin
 * (the API: the article pages' view beacon) rather than reading from the pages bucket, each with
 * the origin path CloudFront puts before the viewer's path.
 */
export function siteApiBehavioursOf(template: CloudFormationTemplate): { readonly pathPattern: string; readonly originPath: string }[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::CloudFront::Distribution')
    .flatMap((r) => {
      const config = r.Properties.DistributionConfig;
      const origins = new Map<string, { CustomOriginConfig?: unknown; OriginPath?: string }>((config.Origins ?? []).map((o: { Id: string }) => [o.Id, o]));
      return (config.CacheBehaviors ?? [])
        .filter((b: { TargetOriginId: string }) => origins.get(b.TargetOriginId)?.CustomOriginConfig)
        .map((b: { PathPattern: string; TargetOriginId: string }) => ({ pathPattern: b.PathPattern, originPath: origins.get(b.TargetOriginId)!.OriginPath ?? '' }));
    });
}

/**
 * What the site's distribution needs of a viewer: with a trusted key group on its default
 * behaviour (a site behind the client's sign-in), the public keys' logical ids (the key pair ids
 * the local runtime signs with), the forwarded paths that need the cookies too, and the page
 * CloudFront answers a 403 with. Undefined for a public site.
 */
export function siteSignInOf(template: CloudFormationTemplate):
  | { readonly keyPairIds: readonly string[]; readonly signedPathPatterns: readonly string[]; readonly errorPagePath: string }
  | undefined {
  const distribution = Object.values(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution');
  const config = distribution?.Properties.DistributionConfig;
  const groups = (config?.DefaultCacheBehavior?.TrustedKeyGroups ?? []) as { Ref: string }[];
  if (groups.length === 0) return undefined;
  const keyPairIds = groups.flatMap((g) => (template.Resources[g.Ref]?.Properties.KeyGroupConfig.Items ?? []).map((item: { Ref: string }) => item.Ref));
  const signedPathPatterns = ((config.CacheBehaviors ?? []) as { PathPattern: string; TrustedKeyGroups?: unknown[] }[]).filter((b) => (b.TrustedKeyGroups ?? []).length > 0).map((b) => b.PathPattern);
  const errorPagePath = ((config.CustomErrorResponses ?? []) as { ErrorCode: number; ResponsePagePath?: string }[]).find((e) => e.ErrorCode === 403)?.ResponsePagePath;
  if (!errorPagePath) throw new Error('The site trusts a key group but has no 403 page for viewers without signed cookies');
  return { keyPairIds, signedPathPatterns, errorPagePath };
}

/** Milliseconds between runs of a `rate(…)` expression; undefined for cron expressions. */
export function rateMilliseconds(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) return undefined;
  const unit = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }[match[2] as 'minute'];
  return Number(match[1]) * unit;
}

export function functionsOf(template: CloudFormationTemplate): TemplateFunction[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[ENTRY_METADATA])
    .map(([logicalId, r]) => ({
      logicalId,
      entry: r.Metadata[ENTRY_METADATA] as string,
      handler: (r.Metadata[HANDLER_METADATA] as string | undefined) ?? 'handler',
      environment: r.Properties.Environment?.Variables ?? {},
      timeoutSeconds: r.Properties.Timeout ?? 3,
    }));
}

export function tablesOf(template: CloudFormationTemplate): TemplateTable[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, r]) => {
      const p = r.Properties;
      return {
        logicalId,
        definition: {
          KeySchema: p.KeySchema,
          AttributeDefinitions: p.AttributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
          ...(p.GlobalSecondaryIndexes && {
            GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((g: any) => ({
              IndexName: g.IndexName,
              KeySchema: g.KeySchema,
              Projection: g.Projection,
            })),
          }),
          ...(p.StreamSpecification && { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } }),
        },
        ...(p.TimeToLiveSpecification?.Enabled && { timeToLiveAttribute: p.TimeToLiveSpecification.AttributeName }),
      };
    });
}

/**
 * What a `Ref` to each resource means locally: table names for tables, ARNs for topics, so
 * function environments resolve without AWS.
 */
export function localReferences(template: CloudFormationTemplate, region: string): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::DynamoDB::Table') refs[logicalId] = logicalId;
    if (resource.Type === 'AWS::SNS::Topic') refs[logicalId] = `arn:aws:sns:${region}:000000000000:${logicalId}`;
    // The audit chain's seal key and anchor bucket have local stand-ins; their names only need to resolve.
    if (resource.Type === 'AWS::KMS::Key' || resource.Type === 'AWS::S3::Bucket') refs[logicalId] = logicalId;
    if (resource.Type === 'AWS::StepFunctions::StateMachine') refs[logicalId] = `arn:aws:states:${region}:000000000000:stateMachine:${logicalId}`;
  }
  // Secrets with a value in the template (the client contacts): served by the local stand-in under this ARN (secretValuesOf).
  for (const logicalId of Object.keys(secretValuesByLogicalId(template))) refs[logicalId] = localSecretArn(region, logicalId);
  return refs;
}

const localSecretArn = (region: string, logicalId: string) => `arn:aws:secretsmanager:${region}:000000000000:secret:${logicalId}`;

function secretValuesByLogicalId(template: CloudFormationTemplate): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret' && typeof r.Properties?.SecretString === 'string')
      .map(([logicalId, r]) => [logicalId, r.Properties.SecretString as string]),
  );
}

/**
 * The SecretString of each secret the template defines with a value, by the local ARN its
 * functions are told (localReferences): what the local stand-in for Secrets Manager serves.
 * Secrets created without a value (a key ops put in after the deploy) have other stand-ins.
 */
export function secretValuesOf(template: CloudFormationTemplate, region: string): Record<string, string> {
  return Object.fromEntries(Object.entries(secretValuesByLogicalId(template)).map(([logicalId, value]) => [localSecretArn(region, logicalId), value]));
}

/**
 * Resolves a function's environment for the local runtime: plain strings pass through, a Ref to
 * a table becomes that table's local name. Anything else cannot exist locally and is reported.
 */
export function resolveEnvironment(
  environment: Readonly<Record<string, unknown>>,
  refs: Readonly<Record<string, string>>,
): { readonly values: Record<string, string>; readonly unresolved: string[] } {
  const values: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(environment)) {
    if (typeof value === 'string') values[name] = value;
    else if (value && typeof value === 'object' && 'Ref' in value && refs[(value as { Ref: string }).Ref]) {
      values[name] = refs[(value as { Ref: string }).Ref]!;
    } else unresolved.push(name);
  }
  return { values, unresolved };
}

export interface TemplateStateMachine {
  readonly logicalId: string;
  /** The Amazon States Language definition, with function ARNs resolved to local ones. */
  readonly definition: { readonly StartAt: string; readonly States: Record<string, unknown> } & Record<string, unknown>;
  /** Task state name → logical id of the function its Resource names. */
  readonly taskFunctions: Readonly<Record<string, string>>;
}

const localFunctionArn = (region: string, logicalId: string) => `arn:aws:lambda:${region}:000000000000:function:${logicalId}`;

/**
 * Step Functions state machines of the template, their definitions resolved: `Fn::GetAtt` of a
 * function's Arn, or a `Ref` to one of its aliases, becomes a local function ARN, a `Ref` a local reference. Task states that invoke
 * a function (directly by ARN, or through `arn:aws:states:::lambda:invoke` with FunctionName) are
 * mapped to it.
 */
export function stateMachinesOf(template: CloudFormationTemplate, region: string): TemplateStateMachine[] {
  const refs = localReferences(template, region);
  const resolvePart = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt && getAtt[1] === 'Arn' && template.Resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') return localFunctionArn(region, getAtt[0]);
    const ref = (part as { Ref?: string }).Ref;
    if (ref && refs[ref]) return refs[ref]!;
    // An alias's Ref is its ARN: locally, the function it belongs to.
    const aliased = ref ? functionIdOfResource(template, ref) : undefined;
    if (aliased) return localFunctionArn(region, aliased);
    if (ref === 'AWS::Region') return region;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::AccountId') return '000000000000';
    throw new Error(`State machine definition refers to something with no local value: ${JSON.stringify(part)}`);
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, r]) => {
      const raw = r.Properties.DefinitionString as unknown;
      const text =
        typeof raw === 'string'
          ? raw
          : ((raw as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? []).map(resolvePart).join((raw as { 'Fn::Join': [string] })['Fn::Join'][0]);
      const definition = JSON.parse(text) as TemplateStateMachine['definition'];
      const functionOf = (arn: unknown) => {
        const match = typeof arn === 'string' ? /^arn:aws:lambda:[^:]+:000000000000:function:([A-Za-z0-9]+)/.exec(arn) : null;
        return match?.[1];
      };
      const taskFunctions: Record<string, string> = {};
      for (const [stateName, state] of Object.entries(definition.States) as [string, Record<string, unknown>][]) {
        if (state['Type'] !== 'Task') continue;
        const direct = functionOf(state['Resource']);
        const viaIntegration = functionOf((state['Parameters'] as Record<string, unknown> | undefined)?.['FunctionName']);
        const functionId = direct ?? viaIntegration;
        if (!functionId) throw new Error(`Task state "${stateName}" of ${logicalId} invokes no function of the stack`);
        taskFunctions[stateName] = functionId;
      }
      return { logicalId, definition, taskFunctions };
    });
}
