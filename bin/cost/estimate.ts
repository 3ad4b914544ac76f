/**
 * The monthly cost of a client stack at rest, per resource, from its synthesized template and the
 * embedded price table (prices.ts); and the cost of one incident and one monitoring event at the
 * bench's measured request counts. Pure: no AWS call, no network.
 */
import type { PriceTable, RegionalPrices } from './prices';

export interface TemplateJson {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: any }>>;
}

export interface CostLine {
  readonly logicalId: string;
  readonly type: string;
  readonly monthlyUsd: number;
  /** How the figure was reached, e.g. "1 key × $1.00". */
  readonly basis: string;
  /** The price figures it used (to flag the reference-priced ones). */
  readonly priced: readonly (keyof PriceTable)[];
}

export interface IdleAssumptions {
  /** Data at rest per table (and per replica), GB. @default 0.1 — a small desk's year of records */
  readonly storageGbPerTable: number;
  /** Run time of one scheduled job invocation with nothing to do, seconds. @default 0.2 */
  readonly idleJobSeconds: number;
  /** Log and trace volume of one idle invocation, KB. @default 2 */
  readonly idleJobLogKb: number;
}

export const DEFAULT_IDLE_ASSUMPTIONS: IdleAssumptions = { storageGbPerTable: 0.1, idleJobSeconds: 0.2, idleJobLogKb: 2 };

/** Resource types that cost nothing while nothing uses them (pay per request, or free). */
export const NO_CHARGE_AT_REST = new Set([
  'AWS::ApiGateway::Account', 'AWS::ApiGateway::Deployment', 'AWS::ApiGateway::RestApi', 'AWS::ApiGateway::Stage', 'AWS::ApiGateway::UsagePlan',
  'AWS::CodeDeploy::Application', 'AWS::CodeDeploy::DeploymentGroup',
  'AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolGroup', 'AWS::Cognito::UserPoolResourceServer', 'AWS::Cognito::UserPoolDomain',
  'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Alias',
  'AWS::Lambda::Alias', 'AWS::Lambda::CodeSigningConfig', 'AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Function', 'AWS::Lambda::Permission', 'AWS::Lambda::Version',
  'AWS::Logs::LogGroup',
  'AWS::Signer::SigningProfile',
  'AWS::SNS::Subscription', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy',
  'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy',
  'AWS::StepFunctions::StateMachine',
  'AWS::WAFv2::IPSet', 'AWS::WAFv2::WebACLAssociation',
  'AWS::EC2::VPCEndpoint',
]);

const usd = (n: number) => `$${n.toFixed(2)}`;
const MINUTES_PER_MONTH = 30 * 24 * 60;

/** Invocations a month of an EventBridge schedule expression (rate or cron), or undefined if not understood. */
export function invocationsPerMonth(expression: string): number | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const every = Number(rate[1]) * (rate[2]!.startsWith('minute') ? 1 : rate[2]!.startsWith('hour') ? 60 : 1440);
    return MINUTES_PER_MONTH / every;
  }
  return undefined;
}

const refOf = (v: unknown): string | undefined =>
  v && typeof v === 'object' ? ((v as { Ref?: string }).Ref ?? (v as { 'Fn::GetAtt'?: [string] })['Fn::GetAtt']?.[0]) : undefined;

/** Memory (MB) of the function a rule target invokes (through its alias or directly). */
function targetMemoryMb(template: TemplateJson, target: unknown): number {
  let id = refOf(target);
  const alias = id ? template.Resources[id] : undefined;
  if (alias?.Type === 'AWS::Lambda::Alias') id = refOf(alias.Properties?.FunctionName);
  const fn = id ? template.Resources[id] : undefined;
  return fn?.Type === 'AWS::Lambda::Function' ? Number(fn.Properties?.MemorySize ?? 128) : 1024;
}

/** The cost at rest of each resource of the template that has one. */
export function idleCostLines(template: TemplateJson, { prices: p }: RegionalPrices, assumptions: IdleAssumptions = DEFAULT_IDLE_ASSUMPTIONS): CostLine[] {
  const lines: CostLine[] = [];
  const add = (logicalId: string, type: string, monthlyUsd: number, basis: string, priced: (keyof PriceTable)[]) =>
    lines.push({ logicalId, type, monthlyUsd, basis, priced });
  for (const [id, r] of Object.entries(template.Resources)) {
    const props = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::KMS::Key':
        add(id, r.Type, p.kmsKeyMonth, `1 customer-managed key × ${usd(p.kmsKeyMonth)}`, ['kmsKeyMonth']);
        break;
      case 'AWS::CloudWatch::Alarm': {
        const metrics = Array.isArray(props.Metrics) ? props.Metrics.filter((m: any) => m.MetricStat).length || 1 : 1;
        const highResolution = Number(props.Period ?? 60) < 60 || (Array.isArray(props.Metrics) && props.Metrics.some((m: any) => Number(m.MetricStat?.Period ?? 60) < 60));
        const price = highResolution ? p.highResolutionAlarmMetricMonth : p.alarmMetricMonth;
        add(id, r.Type, metrics * price, `${metrics} ${highResolution ? 'high-resolution ' : ''}alarm metric${metrics > 1 ? 's' : ''} × ${usd(price)}`, [highResolution ? 'highResolutionAlarmMetricMonth' : 'alarmMetricMonth']);
        break;
      }
      case 'AWS::CloudWatch::CompositeAlarm':
        add(id, r.Type, p.compositeAlarmMonth, `1 composite alarm × ${usd(p.compositeAlarmMonth)}`, ['compositeAlarmMonth']);
        break;
      case 'AWS::CloudWatch::Dashboard':
        add(id, r.Type, p.dashboardMonth, `1 dashboard × ${usd(p.dashboardMonth)}`, ['dashboardMonth']);
        break;
      case 'AWS::WAFv2::WebACL': {
        const rules = Array.isArray(props.Rules) ? props.Rules.length : 0;
        add(id, r.Type, p.webAclMonth + rules * p.wafRuleMonth, `1 web ACL × ${usd(p.webAclMonth)} + ${rules} rules × ${usd(p.wafRuleMonth)}`, ['webAclMonth', 'wafRuleMonth']);
        break;
      }
      case 'AWS::SecretsManager::Secret':
        add(id, r.Type, p.secretMonth, `1 secret × ${usd(p.secretMonth)}`, ['secretMonth']);
        break;
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const copies = r.Type === 'AWS::DynamoDB::GlobalTable' && Array.isArray(props.Replicas) ? props.Replicas.length : 1;
        const pitr = r.Type === 'AWS::DynamoDB::Table' ? props.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true : (props.Replicas ?? []).every((x: any) => x.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled);
        const perGb = p.dynamoStorageGbMonth + (pitr ? p.dynamoPitrGbMonth : 0);
        const gb = assumptions.storageGbPerTable * copies;
        add(id, r.Type, gb * perGb, `${gb.toFixed(2)} GB stored${copies > 1 ? ` (${copies} replicas)` : ''} × ${usd(p.dynamoStorageGbMonth)}${pitr ? ` + PITR ${usd(p.dynamoPitrGbMonth)}` : ''} per GB`, pitr ? ['dynamoStorageGbMonth', 'dynamoPitrGbMonth'] : ['dynamoStorageGbMonth']);
        break;
      }
      case 'AWS::Events::Rule': {
        const invocations = props.State === 'DISABLED' || !props.ScheduleExpression ? undefined : invocationsPerMonth(props.ScheduleExpression);
        if (invocations === undefined) break;
        const memoryGb = targetMemoryMb(template, props.Targets?.[0]?.Arn) / 1024;
        const gbSeconds = invocations * assumptions.idleJobSeconds * memoryGb;
        const logsGb = (invocations * assumptions.idleJobLogKb) / 1024 / 1024;
        const cost = (invocations / 1e6) * p.lambdaRequestsMillion + gbSeconds * p.lambdaArmGbSecond + logsGb * p.logsIngestGb + (invocations / 1e6) * p.xrayTracesMillion;
        add(
          id,
          r.Type,
          cost,
          `${props.ScheduleExpression}: ${Math.round(invocations).toLocaleString('en-GB')} idle runs (${assumptions.idleJobSeconds} s at ${memoryGb} GB, ${assumptions.idleJobLogKb} KB of logs, one trace each)`,
          ['lambdaRequestsMillion', 'lambdaArmGbSecond', 'logsIngestGb', 'xrayTracesMillion'],
        );
        break;
      }
      default:
        break;
    }
  }
  return lines.sort((a, b) => b.monthlyUsd - a.monthlyUsd || a.logicalId.localeCompare(b.logicalId));
}

/** Resource types in the template that neither cost at rest (NO_CHARGE_AT_REST) nor are priced above. */
export function unpricedTypes(template: TemplateJson): string[] {
  const priced = new Set(['AWS::KMS::Key', 'AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm', 'AWS::CloudWatch::Dashboard', 'AWS::WAFv2::WebACL', 'AWS::SecretsManager::Secret', 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::Events::Rule']);
  return [...new Set(Object.values(template.Resources).map((r) => r.Type))].filter((t) => !priced.has(t) && !NO_CHARGE_AT_REST.has(t)).sort();
}

/** Request counts of one operation (bench/results.json `capacityUnits`: read and write units, DynamoDB calls). */
export interface OperationUnits {
  readonly read: number;
  readonly write: number;
  readonly calls: number;
}

export interface UsageAssumptions {
  /** Lambda run time of one API request, seconds, and the API functions' memory. */
  readonly apiSeconds: number;
  readonly apiMemoryGb: number;
  /** Log volume of one request, KB. */
  readonly logKbPerRequest: number;
  /** Whether writes are replicated to a recovery region (each write also costs a replicated write unit there). */
  readonly replicated: boolean;
  /** Whether the API sits behind AWS WAF (each request is inspected). */
  readonly waf: boolean;
}

export interface UsageCost {
  readonly name: string;
  readonly usd: number;
  readonly lines: readonly { readonly item: string; readonly usd: number }[];
}

/**
 * One incident's life at the bench's request counts: logged, read three times, two state changes,
 * two comments, resolved; audit records chained (one per change); its SLA workflow (transitions
 * of a P1 handled in time).
 */
export function incidentCost(
  { prices: p }: RegionalPrices,
  units: Readonly<Record<string, OperationUnits>>,
  slaTransitions: number,
  a: UsageAssumptions,
): UsageCost {
  const steps: [string, number][] = [
    ['create incident', 1],
    ['get incident', 3],
    ['update incident (state change)', 2],
    ['add timeline entry (comment)', 2],
    ['resolve incident', 1],
  ];
  const missing = steps.filter(([op]) => !units[op]).map(([op]) => op);
  if (missing.length > 0) throw new Error(`bench capacityUnits lacks ${missing.join(', ')}`);
  const requests = steps.reduce((n, [, times]) => n + times, 0);
  const read = steps.reduce((n, [op, times]) => n + units[op]!.read * times, 0);
  const write = steps.reduce((n, [op, times]) => n + units[op]!.write * times, 0);
  const chainer = Object.entries(units).find(([op]) => op.startsWith('audit chainer'))?.[1];
  const auditRecords = requests - 3; // one per change (the reads write none)
  const lines = [
    { item: `API Gateway: ${requests} requests`, usd: (requests / 1e6) * p.restApiRequestsMillion },
    { item: `Lambda: ${requests} invocations of ${a.apiSeconds} s at ${a.apiMemoryGb} GB`, usd: (requests / 1e6) * p.lambdaRequestsMillion + requests * a.apiSeconds * a.apiMemoryGb * p.lambdaArmGbSecond },
    { item: `DynamoDB: ${write} write and ${read} read units`, usd: (write / 1e6) * p.dynamoWriteMillion + (read / 1e6) * p.dynamoReadMillion },
    ...(chainer ? [{ item: `DynamoDB: audit chaining of ${auditRecords} records`, usd: auditRecords * ((chainer.write / 1e6) * p.dynamoWriteMillion + (chainer.read / 1e6) * p.dynamoReadMillion) }] : []),
    { item: `Step Functions: ${slaTransitions} SLA workflow transitions`, usd: (slaTransitions / 1000) * p.stepFunctionsThousandTransitions },
    { item: `CloudWatch Logs: ${requests} × ${a.logKbPerRequest} KB`, usd: ((requests * a.logKbPerRequest) / 1024 / 1024) * p.logsIngestGb },
    { item: `X-Ray: ${requests} traces`, usd: (requests / 1e6) * p.xrayTracesMillion },
    ...(a.waf ? [{ item: `AWS WAF: ${requests} requests inspected`, usd: (requests / 1e6) * p.wafRequestsMillion }] : []),
    ...(a.replicated ? [{ item: `Global table: ${write} replicated write units`, usd: (write / 1e6) * p.dynamoReplicatedWriteMillion }] : []),
  ];
  return { name: 'one incident', usd: lines.reduce((n, l) => n + l.usd, 0), lines };
}

/**
 * One monitoring event (an alarm state change or finding through EventBridge): one ingestion
 * invocation, its record and trend counter written, and its share of the incidents it opens (the
 * alarm-storm bench: `incidentsPerEvent`).
 */
export function eventCost({ prices: p }: RegionalPrices, incident: UsageCost, incidentsPerEvent: number, a: UsageAssumptions & { readonly eventSeconds: number; readonly eventWriteUnits: number }): UsageCost {
  const lines = [
    { item: `Lambda: 1 invocation of ${a.eventSeconds} s at ${a.apiMemoryGb} GB`, usd: p.lambdaRequestsMillion / 1e6 + a.eventSeconds * a.apiMemoryGb * p.lambdaArmGbSecond },
    { item: `DynamoDB: ${a.eventWriteUnits} write units (event record, its index entries, the trend counter)`, usd: (a.eventWriteUnits / 1e6) * p.dynamoWriteMillion },
    { item: 'EventBridge: an AWS service event on the default bus', usd: 0 },
    { item: `CloudWatch Logs and X-Ray: ${a.logKbPerRequest} KB, 1 trace`, usd: (a.logKbPerRequest / 1024 / 1024) * p.logsIngestGb + p.xrayTracesMillion / 1e6 },
    ...(a.replicated ? [{ item: `Global table: ${a.eventWriteUnits} replicated write units`, usd: (a.eventWriteUnits / 1e6) * p.dynamoReplicatedWriteMillion }] : []),
    { item: `Share of an incident (${incidentsPerEvent} incidents per event in the alarm-storm bench)`, usd: incidentsPerEvent * incident.usd },
  ];
  return { name: 'one monitoring event', usd: lines.reduce((n, l) => n + l.usd, 0), lines };
}
