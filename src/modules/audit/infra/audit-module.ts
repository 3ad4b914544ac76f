import { Duration, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AUDIT_RECORD_PARTITIONS, auditIndexNamesFor, CHAIN_ENTRY_PARTITION, CHAIN_HEAD_PARTITION, PRUNED_PARTITION } from '../../../kernel/adapters/audit-table-keys';
import { acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';
import { CHAIN_ANCHOR_OBJECT_KEY } from '../adapters/anchor-object-key';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { AUDIT_CHAINER_ENVIRONMENT, AUDIT_ENVIRONMENT, AUDIT_PRUNER_ENVIRONMENT } from '../functions/environment';

export type AuditModuleProps = ItsmModuleProps;

/**
 * How long each anchored chain head stays locked (S3 Object Lock, compliance mode: no one, not
 * even the account's root user, can delete or overwrite a version before then).
 */
export const AUDIT_ANCHOR_RETENTION_DAYS = 400;

/** What the account may do with the seal key: manage it, never use it (GenerateMac, VerifyMac are granted to the two audit roles by name). */
const KEY_ADMINISTRATION = [
  'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*',
  'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
];

/**
 * The audit trail's readers and keeper: the auditors' routes (audit function) and the chainer,
 * which links the records every function writes (unchained, so writers never queue on one
 * another) into the tamper-evident chain, one run at a time, every minute.
 *
 * Writers may put only records (see ItsmFunction.grantAuditAppend). The chainer alone writes
 * chain entries and the head, seals each entry with a KMS HMAC key only it may use (the auditors'
 * function may only verify), and anchors the head in an S3 bucket under Object Lock, so a chain
 * rewritten or cut short in the table no longer verifies (docs/security.md, "Audit trail").
 */
export class AuditModule extends ItsmModule {
  readonly audit: ItsmFunction;
  readonly auditChainer: ItsmFunction;
  /** Removes records past the client's audit retention with their chain entries, daily. */
  readonly auditPruner: ItsmFunction;
  /** Seals chain entries (HMAC_256): GenerateMac for the chainer, VerifyMac for the auditors' function, nothing for anyone else. */
  readonly sealKey: Key;
  /** Where the chainer anchors the chain head (Object Lock, compliance mode). */
  readonly anchorBucket: Bucket;

  constructor(scope: Construct, props: AuditModuleProps) {
    super(scope, props);
    const { data, logRetention, jobFailures, clientSettings } = props;
    const sealKey = new Key(scope, 'AuditSealKey', {
      description: `rowe-itsm ${props.clientId}: seals the audit chain's entries (HMAC); only the audit chainer may generate MACs`,
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new PolicyDocument({
        statements: [new PolicyStatement({ sid: 'AccountAdministersOnly', principals: [new AccountRootPrincipal()], actions: KEY_ADMINISTRATION, resources: ['*'] })],
      }),
    });
    const anchorBucket = new Bucket(scope, 'AuditAnchorBucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(AUDIT_ANCHOR_RETENTION_DAYS)),
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: data.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Versions go once their lock has ended; the current one stays.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(AUDIT_ANCHOR_RETENTION_DAYS + 1) }],
    });
    acknowledgeNagFinding(
      anchorBucket.node.defaultChild as CfnResource,
      'AwsSolutions-S1',
      'Holds one object, written only by the audit chainer role (PutObject on that key) and read only by the auditors\' function; ' +
        'every version is kept under Object Lock in compliance mode, so the versions themselves are the access history that matters. ' +
        'A log bucket of its own would spend two resources of the stack budget for no further evidence.',
    );
    const integrityEnvironment = { auditSealKey: sealKey.keyId, auditAnchorBucket: anchorBucket.bucketName };
    const auditChainer = new ItsmFunction(scope, 'AuditChainerFunction', {
      entry: 'src/modules/audit/functions/audit-chainer-handler.ts',
      serviceName: 'audit-chainer',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.seconds(50),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: environmentOf(AUDIT_CHAINER_ENVIRONMENT, { auditTable: data.auditTable.tableName, ...integrityEnvironment }),
    });
    // One chainer at a time: two would both build on the same head (the head's condition would fail one).
    (auditChainer.function.node.defaultChild as CfnFunction).reservedConcurrentExecutions = 1;
    // It finds the records after the head in the time index (keys only), then reads them by key,
    // and reads the head: Query on that index alone, BatchGetItem on records only, GetItem on the
    // head only (it never reads the chain's entries or the prune marker).
    auditChainer.grantTable({ table: data.auditTable, indexNames: auditIndexNamesFor('byTime', data.auditIndexNames), key: data.key, access: ['query'], queryIndexesOnly: true });
    auditChainer.grantTable({ table: data.auditTable, key: data.key, access: ['batchGet'], leadingKeys: [AUDIT_RECORD_PARTITIONS] });
    auditChainer.grantTable({ table: data.auditTable, key: data.key, access: ['get'], leadingKeys: [CHAIN_HEAD_PARTITION] });
    // The chain's own partitions, and only those: it writes no records.
    auditChainer.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditWriteChainAndHeadOnly',
        actions: ['dynamodb:PutItem'],
        resources: [data.auditTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CHAIN_ENTRY_PARTITION, CHAIN_HEAD_PARTITION] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );
    auditChainer.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resources: [data.key.keyArn] }));
    // The key policy alone grants the seal (it names the role, and the account itself may not use
    // the key, so no IAM statement could grant it anyway); a statement on the role as well would
    // make role and key name each other, a cycle CloudFormation cannot create.
    sealKey.addToResourcePolicy(new PolicyStatement({ sid: 'ChainerSeals', principals: [auditChainer.role], actions: ['kms:GenerateMac'], resources: ['*'] }));
    // A new version of the one anchor object; no delete, no retention change, no governance bypass.
    auditChainer.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [anchorBucket.arnForObjects(CHAIN_ANCHOR_OBJECT_KEY)] }));
    auditChainer.grantQueueSend(jobFailures, data.key);
    new Rule(scope, 'AuditChainerSchedule', {
      description: 'Links new audit records into the tamper-evident chain',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(auditChainer.live, { retryAttempts: 2, maxEventAge: Duration.minutes(10), deadLetterQueue: jobFailures })],
    });

    // Audit retention (client config retention.auditRecords): a function of its own, not the
    // chainer's, so the role that seals cannot delete and the role that deletes cannot seal: it
    // could not rebuild the chain over records it removed. It reads the chain and the head, deletes
    // records and chain entries (DeleteItem one by one: a BatchWriteItem grant would allow Puts too),
    // moves the prune marker (a copy of a sealed entry), and appends the record of its run.
    const auditPruner = this.dailyJob('AuditPruner', {
      entry: 'src/modules/audit/functions/audit-pruner-handler.ts',
      serviceName: 'audit-pruner',
      timeout: Duration.minutes(10),
      environment: environmentOf(AUDIT_PRUNER_ENVIRONMENT, { auditTable: data.auditTable.tableName, clientSettings }),
      description: 'Removes audit records past the client audit retention, behind the sealed prune marker',
    });
    const noReturnValues = { StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] } };
    auditPruner.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditReadChainHeadAndMarkerOnly',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [data.auditTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CHAIN_ENTRY_PARTITION, CHAIN_HEAD_PARTITION, PRUNED_PARTITION] } },
      }),
    );
    auditPruner.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditDeleteRecordsAndChainEntriesOnly',
        actions: ['dynamodb:DeleteItem'],
        resources: [data.auditTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [AUDIT_RECORD_PARTITIONS, CHAIN_ENTRY_PARTITION] }, ...noReturnValues },
      }),
    );
    auditPruner.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditMovePruneMarkerOnly',
        actions: ['dynamodb:PutItem'],
        resources: [data.auditTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PRUNED_PARTITION] }, ...noReturnValues },
      }),
    );
    auditPruner.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: [data.key.keyArn] }));
    auditPruner.grantAuditAppend(this.auditAppend);

    // The auditors' routes: reads the audit trail (Query on each index by name, the records by
    // key, the chain, the head and the marker); appends only the records of the requests it refuses.
    const audit = new ItsmFunction(scope, 'AuditFunction', {
      entry: 'src/modules/audit/functions/audit-handler.ts',
      serviceName: 'audit',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      // Verification walks the chain; it stops by itself at MAX_VERIFIED_RECORDS, well within API Gateway's 29 s.
      timeout: Duration.seconds(25),
      environment: environmentOf(AUDIT_ENVIRONMENT, { auditTable: data.auditTable.tableName, ...integrityEnvironment }),
    });
    audit.grantTable({ table: data.auditTable, indexNames: data.auditIndexNames, key: data.key, access: ['read', 'batchGet'] });
    audit.grantAuditAppend(this.auditAppend);
    // Granted by the key policy alone, as the chainer's seal is.
    sealKey.addToResourcePolicy(new PolicyStatement({ sid: 'AuditorsVerify', principals: [audit.role], actions: ['kms:VerifyMac'], resources: ['*'] }));
    audit.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [anchorBucket.arnForObjects(CHAIN_ANCHOR_OBJECT_KEY)] }));

    this.sealKey = sealKey;
    this.anchorBucket = anchorBucket;
    this.audit = audit;
    this.auditChainer = auditChainer;
    this.auditPruner = auditPruner;
    this.apiFunctions.audit = audit.function;
    // The pruner is in the functions already (dailyJob); the API's function comes first.
    this.functions.unshift(audit, auditChainer);
    // The chainer's appends are the chain's own links; a failure there fails its run (its dead-letter queue).
    this.alarmOnAuditWriteFailures(audit);
    this.alarmOnAuditWriteFailures(auditPruner);
  }
}
