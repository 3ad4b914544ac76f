import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { streamMappingsOf, type TemplateStreamMapping } from '../../local/event-source-mappings';
import { LocalStreamPoller, type FailedStreamBatch } from '../../local/local-stream-poller';
import type { TestTables } from '../support/test-tables';
import { lambdaContext } from './support-events';
import { exampleTemplate, setEnv } from './support-handler';

/**
 * The outbox consumer driven the way the stack drives it: the incidents table's stream on
 * DynamoDB Local, read by the local poller with the event source mapping's settings from the
 * synthesized template (batch size, filter, bisect, retries), each batch handed to `consumer`
 * in-process. `drain()` returns once everything written so far has been handled.
 */
export interface OutboxDrain {
  readonly mapping: TemplateStreamMapping;
  /** Batches that failed for good (the on-failure destination's stand-in). */
  readonly failed: FailedStreamBatch[];
  /** Batches handed to the consumer so far (each invocation's records), for assertions on batching. */
  readonly invocations: DynamoDBStreamEvent[];
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export type StreamConsumer = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

/**
 * `from: 'now'` starts the mapping at the stream's end (LATEST) instead of the template's
 * TRIM_HORIZON: only what is written afterwards is handed to `consumer`.
 */
export async function outboxDrain(
  tables: TestTables,
  consumer: StreamConsumer,
  options: { readonly retryDelayMs?: number; readonly from?: 'now' } = {},
): Promise<OutboxDrain> {
  const templateMapping = streamMappingsOf(exampleTemplate()).find((m) => m.tableId.startsWith('DataIncidentsTable'));
  if (!templateMapping) throw new Error('The template has no event source mapping on the incidents table');
  const mapping: TemplateStreamMapping = options.from === 'now' ? { ...templateMapping, startingPosition: 'LATEST' } : templateMapping;
  const table = await tables.client.send(new DescribeTableCommand({ TableName: tables.names.incidents }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tables.names.incidents} has no stream`);
  const streamsClient = new DynamoDBStreamsClient({ endpoint: tables.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const failed: FailedStreamBatch[] = [];
  const invocations: DynamoDBStreamEvent[] = [];
  const poller = new LocalStreamPoller({
    mapping,
    streamsClient,
    streamArn,
    region: 'eu-west-2',
    retryDelayMs: () => options.retryDelayMs ?? 5,
    onFailedBatch: (batch) => failed.push(batch),
    invoke: async (event) => {
      invocations.push(event as unknown as DynamoDBStreamEvent);
      try {
        return { result: await consumer(event as unknown as DynamoDBStreamEvent) };
      } catch (error) {
        return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    },
  });
  if (options.from === 'now') await poller.poll();
  return {
    mapping: templateMapping,
    failed,
    invocations,
    drain: () => poller.drain(),
    stop: async () => {
      await poller.stop();
      streamsClient.destroy();
    },
  };
}

/**
 * The consumer's entry (outbox-consumer-handler.ts) loaded as Lambda loads it, with the environment
 * the stack gives it: the process environment of the test (tables, SNS and Step Functions
 * endpoints, topics, state machine) and `env` on top.
 */
export function loadOutboxConsumer(env: Record<string, string> = {}): StreamConsumer {
  const restore = setEnv(env);
  let loaded: ((event: unknown, context: unknown) => Promise<DynamoDBBatchResponse>) | undefined;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('../../src/modules/outbox/functions/outbox-consumer-handler').handler;
    });
  } finally {
    restore();
  }
  return (event) => loaded!(event, lambdaContext('rowe-itsm-example-outbox'));
}
