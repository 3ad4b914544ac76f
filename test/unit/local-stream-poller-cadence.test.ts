import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LocalStreamPoller } from '../../local/local-stream-poller';
import type { TemplateStreamMapping } from '../../local/event-source-mappings';

/**
 * The local stream poller's pace: Lambda's (here 100 ms) while records come, slower and slower
 * (up to 800 ms) while the stream is idle, and back to Lambda's pace as soon as the runtime wakes
 * it. The stream is a stateful fake of the DynamoDB Streams API (one open shard whose records a
 * test appends); the clock is jest's.
 */

const mapping: TemplateStreamMapping = {
  logicalId: 'Outbox',
  functionId: 'Consumer',
  tableId: 'Table',
  batchSize: 10,
  startingPosition: 'TRIM_HORIZON',
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: -1,
  reportBatchItemFailures: false,
  filterPatterns: [],
};

/** One open shard; an iterator is the position of the next record to read. */
function fakeStream() {
  const records: { eventID: string; eventName: string; dynamodb: { SequenceNumber: string; Keys: Record<string, unknown> } }[] = [];
  let getRecordsCalls = 0;
  const client = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) return { StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } };
      if (command instanceof GetShardIteratorCommand) {
        const { ShardIteratorType, SequenceNumber } = command.input;
        return { ShardIterator: String(ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? Number(SequenceNumber) : 0) };
      }
      if (command instanceof GetRecordsCommand) {
        getRecordsCalls++;
        const from = Number(command.input.ShardIterator);
        const page = records.slice(from, from + (command.input.Limit ?? 1000));
        return { Records: page, NextShardIterator: String(from + page.length) };
      }
      throw new Error(`Unexpected command ${(command as object).constructor.name}`);
    },
  };
  return {
    client: client as unknown as DynamoDBStreamsClient,
    append: () => records.push({ eventID: `e${records.length}`, eventName: 'INSERT', dynamodb: { SequenceNumber: String(records.length), Keys: { pk: { S: `k${records.length}` } } } }),
    getRecordsCalls: () => getRecordsCalls,
  };
}

let poller: LocalStreamPoller;
beforeEach(() => jest.useFakeTimers());
afterEach(async () => {
  await poller?.stop();
  jest.useRealTimers();
});

function startPoller(stream: ReturnType<typeof fakeStream>, delivered: string[]) {
  poller = new LocalStreamPoller({
    mapping,
    streamsClient: stream.client,
    streamArn: 'arn:aws:dynamodb:eu-west-2:000000000000:table/Table/stream/now',
    region: 'eu-west-2',
    invoke: async (event) => {
      delivered.push(...event.Records.map((r) => r.eventID!));
      return {};
    },
    onFailedBatch: () => {
      throw new Error('no batch should fail');
    },
  });
  poller.start(100, 800);
}

test('an idle stream is polled less and less often, down to one poll per idle interval', async () => {
  const stream = fakeStream();
  startPoller(stream, []);
  // Passes at 0, 200, 600, 1400, then every 800 ms: 2200, 3000, 3800, 4600.
  await jest.advanceTimersByTimeAsync(5_000);
  expect(stream.getRecordsCalls()).toBe(8);
  await jest.advanceTimersByTimeAsync(8_000);
  expect(stream.getRecordsCalls()).toBe(18);
});

test('wake() brings an idle poller back to the busy interval, and records keep it there', async () => {
  const stream = fakeStream();
  const delivered: string[] = [];
  startPoller(stream, delivered);
  await jest.advanceTimersByTimeAsync(5_000); // idle: the next pass is due at 5400
  stream.append();
  poller.wake();
  await jest.advanceTimersByTimeAsync(100);
  expect(delivered).toEqual(['e0']);
  // A pass that read records waits the busy interval before the next one.
  stream.append();
  await jest.advanceTimersByTimeAsync(100);
  expect(delivered).toEqual(['e0', 'e1']);
});

test('without wake(), a record written to an idle stream waits at most the idle interval', async () => {
  const stream = fakeStream();
  const delivered: string[] = [];
  startPoller(stream, delivered);
  await jest.advanceTimersByTimeAsync(4_700); // the last pass ran at 4600; the next is due at 5400
  stream.append();
  await jest.advanceTimersByTimeAsync(600);
  expect(delivered).toEqual([]);
  await jest.advanceTimersByTimeAsync(100);
  expect(delivered).toEqual(['e0']);
});
