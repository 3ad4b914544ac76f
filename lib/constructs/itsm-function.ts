import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { relative, resolve } from 'node:path';

/** Template metadata keys the local runtime reads to run the same source a function bundles. */
export const ENTRY_METADATA = 'itsm:entry';
export const HANDLER_METADATA = 'itsm:handler';

const PROJECT_ROOT = resolve(__dirname, '../..');

export interface ItsmFunctionProps {
  /** Handler source, relative to the project root, e.g. `lambdas/handlers/incidents-handler.ts`. */
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
}

export type TableAccess = 'read' | 'write';

const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
};

/**
 * A Node.js function with the house defaults: Node 22 on arm64, bundled and minified by a local
 * esbuild, JSON logs into its own encrypted log group, X-Ray tracing, and grants that name
 * each action instead of the broad grantReadWriteData.
 */
export class ItsmFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ItsmFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, encryptionKey: props.logKey });
    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'RoweItsm',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: false,
        target: 'node22',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // ESM output still meets CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
      },
    });
    const cfn = this.function.node.defaultChild as import('aws-cdk-lib/aws-lambda').CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, relative(PROJECT_ROOT, resolve(PROJECT_ROOT, props.entry)));
    cfn.addMetadata(HANDLER_METADATA, 'handler');
  }

  /** Grants exactly the table actions the function's code performs, on the table and its indexes. */
  grantTable(table: ITable, key: IKey, ...access: TableAccess[]): void {
    const actions = [...new Set(access.flatMap((a) => TABLE_ACTIONS[a]))].sort();
    this.function.addToRolePolicy(
      new PolicyStatement({ actions, resources: [table.tableArn, `${table.tableArn}/index/*`] }),
    );
    const keyActions = access.includes('write')
      ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']
      : ['kms:Decrypt', 'kms:DescribeKey'];
    key.grant(this.function, ...keyActions);
  }
}
