import { Duration, Stack, type CfnResource } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal, type AddToPrincipalPolicyResult, type RoleProps } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Alias, Architecture, LoggingFormat, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { acknowledgeNagFinding } from './nag-acknowledgements';

/** Template metadata keys the local runtime reads to run the same source a function bundles. */
export const ENTRY_METADATA = 'itsm:entry';
export const HANDLER_METADATA = 'itsm:handler';
/** The alias every invoker (API, rules, workflows, stream mappings) calls; CodeDeploy shifts it from version to version. */
export const LIVE_ALIAS = 'live';

const PROJECT_ROOT = resolve(__dirname, '../../..');

export interface ItsmFunctionProps {
  /** Handler source, relative to the project root, e.g. `src/modules/incidents/functions/incidents-handler.ts`. */
  readonly entry: string;
  /** Powertools service name and the function's role in logs and metrics. */
  readonly serviceName: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** Encrypts the function's log group. */
  readonly logKey: IKey;
  /** @default 1024 — more memory also means more CPU, which shortens cold starts. */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) — API Gateway gives up at 29 s anyway. */
  readonly timeout?: Duration;
  /**
   * How the function is invoked. `synchronous` (API Gateway's proxy integration): the caller
   * receives every error, so there is nothing for a dead-letter queue to catch. An
   * `asynchronous` function (events, schedules) must get a dead-letter queue or failure
   * destination; cdk-nag fails the synth until it has one.
   * @default 'synchronous'
   */
  readonly invocation?: 'synchronous' | 'asynchronous';
  /**
   * Who invokes a synchronous function, for the record of why it needs no dead-letter queue.
   * @default 'the API Gateway proxy integration'
   */
  readonly synchronousCaller?: string;
  /** Where failed asynchronous invocations go; required for asynchronous functions. */
  readonly deadLetterQueue?: IQueue;
  /**
   * Files shipped beside the bundle (plain file name → content), rendered only when the stack is
   * actually bundled (not in a synth that skips bundling, e.g. tests and the local runtime), e.g.
   * a document a function would otherwise build at run time. The function reads them from
   * `LAMBDA_TASK_ROOT`.
   */
  readonly bundledFiles?: Readonly<Record<string, () => string>>;
}

/**
 * `put`: PutItem only (append-only records, e.g. the events table). `get`, `batchGet` and `query`:
 * one read action each, for functions that need no more (e.g. a look-up by key).
 */
export type TableAccess = 'read' | 'get' | 'batchGet' | 'query' | 'write' | 'put' | 'delete' | 'update';

/** Actions on the table itself, per kind of access. */
const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  get: ['dynamodb:GetItem'],
  /** BatchGetItem only, for readers of many items by key (e.g. a list page over a keys-only index). */
  batchGet: ['dynamodb:BatchGetItem'],
  query: ['dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  put: ['dynamodb:PutItem'],
  delete: ['dynamodb:DeleteItem'],
  /** UpdateItem only, e.g. the events table's counters (ADD), next to `put` for its records. */
  update: ['dynamodb:UpdateItem'],
};
/** Of those, the ones that can address an index: only Query. */
const INDEX_ACTIONS: readonly string[] = ['dynamodb:Query'];

/**
 * What DynamoDB needs from a caller's role to use a table encrypted with a customer-managed key:
 * Decrypt (and DescribeKey) to read; Encrypt and GenerateDataKey as well to write. Named one by
 * one rather than the `GenerateDataKey*` / `ReEncrypt*` wildcards of `grantReadWriteData`.
 */
const KEY_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  get: ['kms:Decrypt', 'kms:DescribeKey'],
  batchGet: ['kms:Decrypt', 'kms:DescribeKey'],
  query: ['kms:Decrypt', 'kms:DescribeKey'],
  write: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  put: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  delete: ['kms:Decrypt', 'kms:DescribeKey'],
  update: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

export interface TableGrant {
  readonly table: ITable;
  /** The table's secondary indexes the function queries; each is granted by its own ARN. */
  readonly indexNames?: readonly string[];
  /** The table's customer-managed key. */
  readonly key: IKey;
  readonly access: readonly TableAccess[];
  /** Query only the named indexes, never the table itself (e.g. a search-term index of another function's table). */
  readonly queryIndexesOnly?: boolean;
  /**
   * Limits the grant to items whose partition key matches one of these patterns (IAM
   * `dynamodb:LeadingKeys`, `*` wildcards), e.g. one kind of item in another function's table.
   * @default every item of the table
   */
  readonly leadingKeys?: readonly string[];
}

/**
 * A Node.js function with the house defaults: Node 24 on arm64, bundled and minified by a local
 * esbuild, JSON logs into the stack's encrypted function log group, X-Ray tracing, and its own role that
 * holds exactly what the function uses: writing to that log group, sending traces, and the
 * table grants, which name each action instead of the broad grantReadWriteData.
 */
export class ItsmFunction extends Construct {
  readonly function: NodejsFunction;
  /**
   * The `live` alias on the function's current version: what every invoker calls, and what
   * CodeDeploy shifts to a new version on a deploy (ItsmReleases). Configure the function
   * (environment, concurrency, grants) on `function`; invoke, target and alarm on `live`.
   */
  readonly live: Alias;
  /** The function's own role; nothing else assumes it. */
  readonly role: Role;
  /** Powertools service name: the `service` dimension of the function's metrics. */
  readonly serviceName: string;

  /** The resource holding the role's grants (its inline policy), where IAM findings are acknowledged. */
  get policyResource(): CfnResource {
    return this.role.node.defaultChild as CfnResource;
  }

  constructor(scope: Construct, id: string, props: ItsmFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    for (const name of Object.keys(props.bundledFiles ?? {})) {
      if (!/^[\w.-]+$/.test(name) || /^\.+$/.test(name)) throw new Error(`${id}: bundled file name ${name} must be a plain file name`);
    }
    const logGroup = functionLogGroup(this, props.logRetention, props.logKey);

    // In place of the AWSLambdaBasicExecutionRole managed policy (logs on every log group in the
    // account): the two calls the Lambda runtime makes, on the stack's function log group only.
    this.role = new InlinePolicyRole(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `rowe-itsm ${props.serviceName} function: the function log group, X-Ray, and its table grants`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'FunctionLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    // Identical (no Sid) to the statement Lambda adds for active tracing, so the two merge into one.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
    );
    acknowledgeNagFinding(
      this.policyResource,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray has no resource-level permissions: xray:PutTraceSegments and xray:PutTelemetryRecords accept only Resource "*". ' +
        'Every other statement of this policy names its resource.',
    );
    acknowledgeNagFinding(
      this.policyResource,
      'Serverless-LambdaStarPermissions',
      'The one wildcard is X-Ray\'s: xray:PutTraceSegments and xray:PutTelemetryRecords accept only Resource "*". ' +
        'Every other statement of this role\'s policy names its actions and resources.',
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      role: this.role,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...(props.deadLetterQueue && { deadLetterQueueEnabled: true, deadLetterQueue: props.deadLetterQueue }),
      loggingFormat: LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'RoweItsm',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Traces never carry a handler's response or error (they hold incidents, contacts, audit
        // records); the code says so too (createObservability), this covers any tracer it misses.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        ...props.environment,
      },
      // Measured by `npm run bench` (module load in fresh processes; see docs/architecture.md, Cold
      // starts). ESM with the ESM builds of dependencies (mainFields) tree-shakes best and loads
      // fastest; minified; no source map (`--enable-source-maps` slows every init and stack trace).
      bundling: {
        minify: true,
        sourceMap: false,
        target: 'node24',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // ESM output still meets CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        // The AWS SDK is bundled too, not taken from the runtime: tree-shaken and minified it loads
        // in a fraction of the time the runtime's copy (hundreds of files) takes, only the clients a
        // function uses are in it, its version is the one the tests ran against, and the clients
        // a function creates on first use (lazy-factory.ts) are evaluated only then. An external
        // module would be imported at start-up by the ESM bundle even when used lazily.
        externalModules: [],
        ...(props.bundledFiles && { commandHooks: bundledFilesHooks(props.bundledFiles, () => Stack.of(this).bundlingRequired) }),
      },
    });
    // A new version for every change of code or configuration; old versions stay (the default
    // removal policy RETAIN), so CodeDeploy can shift back to the one the alias served.
    this.live = new Alias(this, 'Live', { aliasName: LIVE_ALIAS, version: this.function.currentVersion });
    const cfn = this.function.node.defaultChild as CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, relative(PROJECT_ROOT, resolve(PROJECT_ROOT, props.entry)));
    cfn.addMetadata(HANDLER_METADATA, 'handler');
    if (props.invocation === 'asynchronous' && !props.deadLetterQueue) {
      throw new Error(`${id}: an asynchronously invoked function needs a dead-letter queue`);
    }
    if ((props.invocation ?? 'synchronous') === 'synchronous') {
      acknowledgeNagFinding(
        cfn,
        'Serverless-LambdaDLQ',
        props.synchronousCaller
          ? `Invoked only synchronously, by ${props.synchronousCaller}: every failure goes back to the caller, which ` +
              'retries it; a dead-letter queue only ever receives failed asynchronous invocations.'
          : 'Invoked only synchronously, by the API Gateway proxy integration: every failure goes back to the caller as ' +
              'an RFC 9457 problem response, and a dead-letter queue only ever receives failed asynchronous invocations.',
      );
    }
  }

  /**
   * Grants exactly the table actions the function's code performs: on the table, and Query on
   * each named index (by its own ARN, not `index/*`); plus the key actions that access needs.
   */
  grantTable(grant: TableGrant): void {
    const { table, key, access } = grant;
    const actions = [...new Set(access.flatMap((a) => TABLE_ACTIONS[a]))].sort();
    const indexActions = actions.filter((a) => INDEX_ACTIONS.includes(a));
    const tableActions = grant.queryIndexesOnly ? actions.filter((a) => !INDEX_ACTIONS.includes(a)) : actions;
    if (tableActions.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: tableActions,
          resources: [table.tableArn],
          ...(grant.leadingKeys && { conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] } } }),
        }),
      );
    }
    const indexNames = [...new Set(grant.indexNames ?? [])].sort();
    if (indexActions.length > 0 && indexNames.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: indexActions, resources: indexNames.map((name) => `${table.tableArn}/index/${name}`) }),
      );
    }
    const keyActions = [...new Set(access.flatMap((a) => KEY_ACTIONS[a]))].sort();
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: keyActions, resources: [key.keyArn] }));
  }

  /**
   * Lets the function append audit records and nothing more: PutItem on the table, only for items
   * whose partition key is a record's (`dynamodb:LeadingKeys` RECORD#*: never a chain entry or the
   * chain head, which only the chainer writes), and only without ReturnValues (`NONE`: a Put that
   * overwrites cannot hand back the old item), plus the key actions for writing. No GetItem, Query,
   * UpdateItem, DeleteItem, BatchWriteItem or PartiQL: a writer can neither read, change nor remove
   * a record.
   */
  grantAuditAppend(grant: { readonly table: ITable; readonly key: IKey; readonly recordPartitions: string }): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditAppendRecordsOnly',
        actions: ['dynamodb:PutItem'],
        resources: [grant.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [grant.recordPartitions] },
          // Absent means NONE, DynamoDB's default.
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...KEY_ACTIONS.put].sort(), resources: [grant.key.keyArn] }));
  }

  /** Lets the function publish to these topics, encrypted with `key`. */
  grantPublish(topics: readonly ITopic[], key: IKey): void {
    if (topics.length === 0) return;
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: topics.map((t) => t.topicArn) }));
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }));
  }

  /** Lets the function (and Lambda, for its dead-letter queue) send to this queue, encrypted with `key`. */
  grantQueueSend(queue: IQueue, key: IKey): void {
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }));
  }
}

/** Each stack's function log group, with the settings it was created with. */
const functionLogGroups = new WeakMap<Stack, { readonly group: LogGroup; readonly retention: RetentionDays; readonly key: IKey }>();

/**
 * The one log group every function of a stack logs to (Lambda's custom log group: each stream is
 * named after its function, `YYYY/MM/DD/<function>[<version>]<instance>`, so one Logs Insights
 * query covers the application and each line still says where it came from). One group per
 * function would cost a CloudFormation resource each, and the deploy budget counts them. All the
 * stack's functions share its retention and key; asking for others is a mistake, refused.
 */
function functionLogGroup(scope: Construct, retention: RetentionDays, key: IKey): LogGroup {
  const stack = Stack.of(scope);
  const existing = functionLogGroups.get(stack);
  if (existing) {
    if (existing.retention !== retention || existing.key !== key) {
      throw new Error(`${scope.node.path}: every function of a stack logs to its one function log group, kept ${existing.retention} days with the stack's key`);
    }
    return existing.group;
  }
  const group = new LogGroup(stack, 'FunctionLogs', { retention, encryptionKey: key });
  functionLogGroups.set(stack, { group, retention, key });
  return group;
}

/**
 * A role whose grants go into its own inline policy instead of a separate AWS::IAM::Policy (CDK's
 * DefaultPolicy): the same statements, one CloudFormation resource per function fewer. The
 * function then depends on its permissions through the role itself, so a resource the role names
 * must not in turn name the function (CloudFormation would report the cycle at synth).
 */
class InlinePolicyRole extends Role {
  private readonly inlineGrants: PolicyDocument;

  constructor(scope: Construct, id: string, props: RoleProps) {
    const grants = new PolicyDocument();
    super(scope, id, { ...props, inlinePolicies: { ...props.inlinePolicies, Grants: grants } });
    this.inlineGrants = grants;
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    this.inlineGrants.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }
}

/**
 * Copies rendered files into the asset after esbuild (the asset hash covers them). NodejsFunction
 * asks for these commands when it is constructed, bundled or not; the contents are rendered only
 * when the stack is bundled, each written once per content under the temp directory, then copied.
 */
function bundledFilesHooks(files: Readonly<Record<string, () => string>>, bundlingRequired: () => boolean) {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      !bundlingRequired() ? [] : Object.entries(files).map(([name, render]) => {
        const content = render();
        const dir = join(tmpdir(), 'itsm-bundled-files', createHash('sha256').update(content).digest('hex').slice(0, 16));
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, name), content);
        return `cp ${JSON.stringify(join(dir, name))} ${JSON.stringify(join(outputDir, name))}`;
      }),
  };
}
