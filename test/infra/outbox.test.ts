/**
 * The outbox's consumer as the stack deploys it: the event source mapping on the incidents table's
 * stream (settings the local runtime reads too), its failure queue and alarm, and a role that may
 * do exactly what delivery does.
 */
import { healthAlarmPrefix } from '../../src/kernel/infra/itsm-health-alarms';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { EXPIRY_ATTRIBUTE } from '../../src/kernel/adapters/quota-counter';
import { streamMappingsOf } from '../../local/event-source-mappings';
import { actionsOf, asList, functionWithEntry, referencedId, referencedIds, resourcesOfType, useClientStacks, type PolicyStatementJson, HANDLER_ENTRIES } from './infra-fixtures';
import type { CfnElement } from 'aws-cdk-lib';

const fixture = useClientStacks();

describe.each(['example', 'acme-us'])('%s', (clientId) => {
  const only = <T>(items: readonly T[]): T => {
    expect(items).toHaveLength(1);
    return items[0]!;
  };

  test("the consumer reads the incidents table's stream: outbox inserts only, small batches, bisected, partial responses, bounded retries, failures to a queue", () => {
    const { resources } = fixture.get(clientId);
    const consumer = functionWithEntry(resources, HANDLER_ENTRIES.outboxConsumer);
    const [, mapping] = only(resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping'));
    const [tableId, table] = only(resourcesOfType(resources, 'AWS::DynamoDB::Table').filter(([id]) => id.startsWith('DataIncidentsTable')));
    const [queueId] = only(resourcesOfType(resources, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('OutboxFailures')));
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'KEYS_ONLY' });
    // Outbox items a delivery never took expire by the table's TTL (retention.outboxItems; the writers set expiresAt).
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: EXPIRY_ATTRIBUTE, Enabled: true });
    // The consumer's live alias (CodeDeploy shifts it on a deploy): "<function name>:live", from the alias ARN.
    const [liveAlias] = only(resourcesOfType(resources, 'AWS::Lambda::Alias').filter(([, a]) => a.Properties.FunctionName?.Ref === consumer.logicalId));
    expect(mapping.Properties).toMatchObject({
      FunctionName: { 'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: liveAlias }] }] }, ':live']] },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 8,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    expect(mapping.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [OUTBOX_PARTITION] } } } },
    ]);
    // The local runtime reads the same mapping with the same settings.
    expect(streamMappingsOf({ Resources: resources } as never)).toEqual([
      expect.objectContaining({ functionId: consumer.logicalId, tableId, batchSize: 10, bisectBatchOnFunctionError: true, reportBatchItemFailures: true, maximumRetryAttempts: 8, onFailureDestinationId: queueId }),
    ]);
  });

  test('the failure queue is encrypted with the data key, refuses plain HTTP, and its depth raises a health alarm', () => {
    const { resources } = fixture.get(clientId);
    const [queueId, queue] = only(resourcesOfType(resources, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('OutboxFailures')));
    expect(referencedId(queue.Properties.KmsMasterKeyId)).toMatch(/^DataDataKey/);
    const [, queuePolicy] = only(resourcesOfType(resources, 'AWS::SQS::QueuePolicy').filter(([, p]) => referencedIds(p.Properties.Queues).has(queueId)));
    expect(asList<PolicyStatementJson>(queuePolicy.Properties.PolicyDocument.Statement)).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const [, alarm] = only(resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.AlarmName === `${healthAlarmPrefix(clientId)}OutboxFailures-depth`));
    expect(alarm.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(JSON.stringify(alarm.Properties.Dimensions)).toContain(queueId);
    expect(alarm.Properties.AlarmActions?.length ?? 0).toBeGreaterThan(0);
  });

  test("the consumer's role: the stream, outbox items (get, delete), the SLA workflow's start, the topics, the failure queue; nothing else", () => {
    const { resources } = fixture.get(clientId);
    const withSite = functionWithEntry(resources, HANDLER_ENTRIES.outboxConsumer);
    // Rebuilding the self-help site (clients that have one): the problems, catalogue and incidents
    // tables' reads and the site bucket, checked in test/infra/selfhelp-site.test.ts; set apart here.
    const { stack } = fixture.get(clientId);
    const siteTables = new Set([stack.data.problemsTable, stack.data.catalogueTable].map((t) => stack.getLogicalId(t.node.defaultChild as CfnElement)));
    // Resolution drafts (draft-article effects): PutItem on the problems table's article partitions
    // (KA#…) only, and the drafts' audit records (append-only, test/infra/audit-trail.test.ts); set apart too.
    const [problemsId, auditId] = [stack.data.problemsTable, stack.data.auditTable].map((t) => stack.getLogicalId(t.node.defaultChild as CfnElement));
    const isDraftPut = (st: PolicyStatementJson) => referencedIds(st.Resource).has(problemsId!) && actionsOf([st]).join() === 'dynamodb:PutItem';
    const isDraftGrant = (st: PolicyStatementJson) => isDraftPut(st) || referencedIds(st.Resource).has(auditId!);
    expect(withSite.statements.filter(isDraftPut).map((st) => st.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KA#*'] } }]);
    const isSiteGrant = (st: PolicyStatementJson) =>
      !isDraftGrant(st) &&
      (actionsOf([st]).some((a) => a.startsWith('s3:')) || [...referencedIds(st.Resource)].some((id) => siteTables.has(id)) || (JSON.stringify(st.Resource).includes('/index/byState') && actionsOf([st]).join() === 'dynamodb:Query'));
    const consumer = { ...withSite, statements: withSite.statements.filter((st) => !isSiteGrant(st) && !isDraftGrant(st)) };
    expect(withSite.statements.some(isSiteGrant)).toBe(stack.config.selfHelp.site.enabled);
    const granted = (prefix: string) => [...new Set(actionsOf(consumer.statements).filter((a) => a.startsWith(prefix)))].sort();
    expect(granted('dynamodb:')).toEqual(['dynamodb:DeleteItem', 'dynamodb:DescribeStream', 'dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
    expect(granted('states:')).toEqual(['states:StartExecution']);
    expect(granted('sns:')).toEqual(['sns:Publish']);
    expect(granted('sqs:')).toEqual(['sqs:SendMessage']);
    // Encrypt: the drafts and their audit records are written under the data key.
    expect(granted('kms:')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    const services = [...new Set(actionsOf(consumer.statements).map((a) => a.split(':')[0]!))].sort();
    // secretsmanager only where the client has a webhook (GetSecretValue on that one secret) or a
    // self-help site (its pages name the desk: the client-contacts secret, test/infra/client-contacts.test.ts).
    expect(services.filter((service) => service !== 'secretsmanager')).toEqual(['dynamodb', 'kms', 'logs', 'sns', 'sqs', 'states', 'xray']);
    for (const s of consumer.statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('secretsmanager:')))) {
      expect(actionsOf([s])).toEqual(['secretsmanager:GetSecretValue']);
      expect(asList(s.Resource)).toHaveLength(1);
      expect(JSON.stringify(asList(s.Resource)[0])).not.toContain('*');
    }
    // Items: outbox items only, and no Put, Update, Query or Scan.
    const onItems = consumer.statements.filter((s) => actionsOf([s]).some((a) => a === 'dynamodb:GetItem' || a === 'dynamodb:DeleteItem'));
    for (const s of onItems) {
      expect(actionsOf([s]).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem']);
      expect(s.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [OUTBOX_PARTITION] } });
    }
    // The stream reads name the incidents table's stream, not '*'.
    const streamReads = consumer.statements.filter((s) => actionsOf([s]).includes('dynamodb:GetRecords'));
    for (const s of streamReads) expect(JSON.stringify(s.Resource)).toMatch(/DataIncidentsTable[0-9A-F]+","StreamArn/);
  });
});
