/**
 * Public on-demand list prices (USD) the cost estimate uses, embedded: the estimate runs with no
 * network. Read from the AWS pricing pages below; dated, never refreshed automatically: re-read
 * the pages and update the date before quoting a figure to a client.
 *
 * US East (N. Virginia) is the reference column. Fixed monthly fees (keys, alarms, dashboards,
 * WAF) and Lambda are listed the same in every commercial region; request and storage prices vary
 * by region (London and Ireland are typically a little above N. Virginia). A region in REGIONAL has
 * its own figures; for any other, the varying figures are N. Virginia's and the estimate says so.
 */
export const PRICES_AS_OF = '2025-01 (AWS pricing pages, N. Virginia unless overridden)';

export interface PriceTable {
  /** AWS KMS: one customer-managed key, per month (key rotation included for the first two rotations). */
  readonly kmsKeyMonth: number;
  /** CloudWatch: one standard-resolution alarm metric, per month (an alarm over N metrics counts N). */
  readonly alarmMetricMonth: number;
  /** CloudWatch: one high-resolution (period under 60 s) alarm metric, per month. */
  readonly highResolutionAlarmMetricMonth: number;
  readonly compositeAlarmMonth: number;
  /** CloudWatch: one dashboard, per month (the first three of an account are free; not assumed here). */
  readonly dashboardMonth: number;
  /** CloudWatch: one custom metric (a metric name and dimension set), per month, first 10,000 tier. */
  readonly customMetricMonth: number;
  /** CloudWatch Logs: ingestion, per GB. */
  readonly logsIngestGb: number;
  /** AWS WAF: one web ACL, per month; one rule, per month; requests, per million. */
  readonly webAclMonth: number;
  readonly wafRuleMonth: number;
  readonly wafRequestsMillion: number;
  readonly secretMonth: number;
  /** DynamoDB on demand, Standard table class: per million write / read request units; storage and PITR per GB-month. */
  readonly dynamoWriteMillion: number;
  readonly dynamoReadMillion: number;
  readonly dynamoReplicatedWriteMillion: number;
  readonly dynamoStorageGbMonth: number;
  readonly dynamoPitrGbMonth: number;
  /** Lambda: per million requests; per GB-second on arm64. */
  readonly lambdaRequestsMillion: number;
  readonly lambdaArmGbSecond: number;
  /** API Gateway REST API: per million requests (first 333 million tier). */
  readonly restApiRequestsMillion: number;
  /** Step Functions standard workflows: per 1,000 state transitions. */
  readonly stepFunctionsThousandTransitions: number;
  /** SNS: per million publishes (standard topics); e-mail deliveries per 100,000. */
  readonly snsPublishMillion: number;
  readonly snsEmailHundredThousand: number;
  /** X-Ray: per million traces recorded (after the free 100,000 a month). */
  readonly xrayTracesMillion: number;
  /** EventBridge: per million custom events put (AWS service events on the default bus are free). */
  readonly eventBridgeCustomMillion: number;
}

const N_VIRGINIA: PriceTable = {
  kmsKeyMonth: 1.0,
  alarmMetricMonth: 0.1,
  highResolutionAlarmMetricMonth: 0.3,
  compositeAlarmMonth: 0.5,
  dashboardMonth: 3.0,
  customMetricMonth: 0.3,
  logsIngestGb: 0.5,
  webAclMonth: 5.0,
  wafRuleMonth: 1.0,
  wafRequestsMillion: 0.6,
  secretMonth: 0.4,
  dynamoWriteMillion: 0.625,
  dynamoReadMillion: 0.125,
  dynamoReplicatedWriteMillion: 0.625,
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  lambdaRequestsMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  restApiRequestsMillion: 3.5,
  stepFunctionsThousandTransitions: 0.025,
  snsPublishMillion: 0.5,
  snsEmailHundredThousand: 2.0,
  xrayTracesMillion: 5.0,
  eventBridgeCustomMillion: 1.0,
};

/** Where each figure was read. */
export const PRICE_SOURCES: Readonly<Record<string, string>> = {
  'AWS KMS': 'https://aws.amazon.com/kms/pricing/',
  'Amazon CloudWatch (alarms, dashboards, metrics, logs)': 'https://aws.amazon.com/cloudwatch/pricing/',
  'AWS WAF': 'https://aws.amazon.com/waf/pricing/',
  'AWS Secrets Manager': 'https://aws.amazon.com/secrets-manager/pricing/',
  'Amazon DynamoDB (on-demand, storage, PITR, global tables)': 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  'AWS Lambda': 'https://aws.amazon.com/lambda/pricing/',
  'Amazon API Gateway': 'https://aws.amazon.com/api-gateway/pricing/',
  'AWS Step Functions': 'https://aws.amazon.com/step-functions/pricing/',
  'Amazon SNS': 'https://aws.amazon.com/sns/pricing/',
  'AWS X-Ray': 'https://aws.amazon.com/xray/pricing/',
  'Amazon EventBridge': 'https://aws.amazon.com/eventbridge/pricing/',
  'AWS CodeDeploy (Lambda deployments: no charge)': 'https://aws.amazon.com/codedeploy/pricing/',
  'AWS Signer (Lambda code signing: no charge)': 'https://aws.amazon.com/signer/pricing/',
  'Amazon Cognito (Lite tier: first 10,000 monthly active users free)': 'https://aws.amazon.com/cognito/pricing/',
};

/** Figures AWS lists the same in every commercial region (the pages above show one price). */
const UNIFORM: ReadonlySet<keyof PriceTable> = new Set<keyof PriceTable>([
  'kmsKeyMonth',
  'alarmMetricMonth',
  'highResolutionAlarmMetricMonth',
  'compositeAlarmMonth',
  'dashboardMonth',
  'webAclMonth',
  'wafRuleMonth',
  'wafRequestsMillion',
  'secretMonth',
  'lambdaRequestsMillion',
  'lambdaArmGbSecond',
  'xrayTracesMillion',
]);

/** Regions whose request and storage prices this table records: their overrides of the N. Virginia column. */
const REGIONAL: Readonly<Record<string, Partial<PriceTable>>> = {
  'us-east-1': {},
  // Oregon lists these services at N. Virginia's prices.
  'us-west-2': {},
};

export interface RegionalPrices {
  readonly region: string;
  readonly prices: PriceTable;
  /** Figures taken from the N. Virginia column because the region's own is not recorded here (likely a little low). */
  readonly referencePriced: ReadonlySet<keyof PriceTable>;
}

export function pricesFor(region: string): RegionalPrices {
  const own = REGIONAL[region];
  const referencePriced = new Set<keyof PriceTable>(own ? [] : (Object.keys(N_VIRGINIA) as (keyof PriceTable)[]).filter((k) => !UNIFORM.has(k)));
  return { region, prices: { ...N_VIRGINIA, ...own }, referencePriced };
}
