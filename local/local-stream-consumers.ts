import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationTemplate } from './synthesize-stack';
import type { FunctionHost } from './function-host';
import { streamMappingsOf, type TemplateStreamMapping } from './event-source-mappings';
import { LocalStreamPoller, type FailedStreamBatch } from './local-stream-poller';
import { OUTBOX_PARTITION } from '../src/modules/outbox/adapters/outbox-table-keys';

/** How often the local runtime polls each stream (Lambda polls a shard about four times a second). */
const POLL_INTERVAL_MS = 250;
/** The longest wait between polls of an idle stream; `wake()` ends it (see LocalStreamPoller.start). */
const IDLE_POLL_INTERVAL_MS = 2_000;

export interface RunningStreamConsumers {
  readonly mappings: readonly TemplateStreamMapping[];
  /** Undelivered outbox items (oldest first) and the batches that failed for good. */
  outbox(): Promise<{ readonly undelivered: readonly Record<string, unknown>[]; readonly failed: readonly FailedStreamBatch[] }>;
  /** Polls until everything written so far has been handed on. */
  drain(): Promise<void>;
  /** Something may have been written (a function ran): the pollers go back to their busy interval. */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * The template's event source mappings on DynamoDB streams, run locally: one poller per mapping
 * (local-stream-poller.ts) invoking the mapping's function through the function host, failed
 * batches kept in a local failure list (the on-failure destination's stand-in; in `failuresFile`
 * across restarts when given).
 */
export async function startStreamConsumers(options: {
  readonly template: CloudFormationTemplate;
  readonly endpoint: string;
  readonly region: string;
  readonly tableNames: Readonly<Record<string, string>>;
  readonly functions: FunctionHost;
  readonly checkpointFile?: string;
  readonly failuresFile?: string;
  readonly onError?: (line: string) => void;
}): Promise<RunningStreamConsumers> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ endpoint: options.endpoint, region: options.region, credentials });
  const documents = DynamoDBDocumentClient.from(dynamo);
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: options.region, credentials });
  const failed: FailedStreamBatch[] = options.failuresFile && existsSync(options.failuresFile)
    ? readFileSync(options.failuresFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as FailedStreamBatch)
    : [];
  const mappings = streamMappingsOf(options.template);
  const pollers: LocalStreamPoller[] = [];
  for (const mapping of mappings) {
    const tableName = options.tableNames[mapping.tableId];
    if (!tableName) throw new Error(`${mapping.logicalId} reads the stream of ${mapping.tableId}, which is not a table of the stack`);
    const streamArn = (await dynamo.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`${tableName} has no stream, yet ${mapping.logicalId} reads one`);
    const poller = new LocalStreamPoller({
      mapping,
      streamsClient: streams,
      streamArn,
      region: options.region,
      invoke: (event) => options.functions.invoke(mapping.functionId, event),
      onFailedBatch: (batch) => {
        failed.push(batch);
        if (options.failuresFile) appendFileSync(options.failuresFile, `${JSON.stringify(batch)}\n`);
        options.onError?.(`${batch.records.length} record(s) of ${mapping.logicalId} failed for good (${batch.reason}): ${batch.error}`);
      },
      ...(options.checkpointFile && { checkpointFile: `${options.checkpointFile.replace(/\.json$/, '')}-${mapping.logicalId}.json` }),
      onPollError: (error) => options.onError?.(`polling ${mapping.logicalId}: ${(error as Error).message}`),
    });
    poller.start(POLL_INTERVAL_MS, IDLE_POLL_INTERVAL_MS);
    pollers.push(poller);
  }
  const outboxTable = mappings.map((m) => options.tableNames[m.tableId]).find((name) => name?.startsWith('DataIncidentsTable'));
  return {
    mappings,
    outbox: async () => {
      const undelivered: Record<string, unknown>[] = [];
      if (outboxTable) {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await documents.send(
            new QueryCommand({ TableName: outboxTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION }, ConsistentRead: true, ExclusiveStartKey: start }),
          );
          undelivered.push(...(page.Items ?? []).map(({ pk: _pk, sk: _sk, ...item }) => item));
          start = page.LastEvaluatedKey;
        } while (start);
      }
      return { undelivered, failed: [...failed] };
    },
    drain: async () => {
      for (const poller of pollers) await poller.drain();
    },
    wake: () => {
      for (const poller of pollers) poller.wake();
    },
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      streams.destroy();
      dynamo.destroy();
    },
  };
}
