import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as SdkStreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { compilePattern } from './eventbridge-pattern';
import type { TemplateStreamMapping } from './event-source-mappings';

/**
 * A Lambda event source mapping on a DynamoDB stream, locally: polls the table's stream on
 * DynamoDB Local (DescribeStream → GetShardIterator → GetRecords), passes the records that match
 * the mapping's filter to the function in batches of its batch size, and handles failures as
 * Lambda does with the mapping's settings:
 * - a function error (thrown, crashed, timed out) bisects the batch when BisectBatchOnFunctionError
 *   is on (splitting does not count as a retry), else retries the batch;
 * - a partial batch response (ReportBatchItemFailures) retries from the lowest failed record;
 * - after MaximumRetryAttempts retries, or once the records are older than MaximumRecordAgeInSeconds,
 *   the batch goes to the failure list (the on-failure destination's stand-in) and polling moves on.
 * Shard checkpoints (the last sequence number handled) are kept in `checkpointFile` when given,
 * so a restart resumes where the last run stopped. Like Lambda's pollers, it keeps each open
 * shard's next iterator between polls and describes the stream again only when a shard closes (or
 * every few seconds): an idle poll is one GetRecords per shard, not three calls.
 */
export type StreamBatchInvoker = (event: { readonly Records: readonly LambdaStreamRecord[] }) => Promise<{ readonly error?: string; readonly result?: unknown }>;

/** A stream record as Lambda hands it to a function. */
export interface LambdaStreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventVersion?: string;
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly eventSourceARN: string;
  readonly dynamodb: Record<string, unknown> & { readonly SequenceNumber: string; readonly ApproximateCreationDateTime?: number };
}

export interface FailedStreamBatch {
  readonly mapping: string;
  readonly functionId: string;
  readonly records: readonly LambdaStreamRecord[];
  readonly error: string;
  /** Invocations of these records (the first attempt and its retries). */
  readonly attempts: number;
  readonly reason: 'retries-exhausted' | 'record-too-old';
  readonly at: string;
}

export interface LocalStreamPollerOptions {
  readonly mapping: TemplateStreamMapping;
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  readonly invoke: StreamBatchInvoker;
  readonly onFailedBatch: (batch: FailedStreamBatch) => void;
  readonly checkpointFile?: string;
  /** Real milliseconds before retry `attempt` (1, 2, …). @default 100 ms × attempt */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Told of errors polling the stream itself. */
  readonly onPollError?: (error: unknown) => void;
}

/** How long a description of the stream's shards is used before the stream is described again. */
const SHARDS_REFRESH_MS = 5_000;

export class LocalStreamPoller {
  private readonly matches: (record: unknown) => boolean;
  private readonly checkpoints: Record<string, string>;
  private polling: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cadence: { readonly busyMs: number; readonly idleMs: number } | undefined;
  private delayMs = 0;
  private dueAt = 0;
  private woken = false;
  private stopped = false;
  /** Each open shard's iterator after its last record read, for the next poll. */
  private readonly nextIterators = new Map<string, string>();
  private knownShards: { readonly shards: Shard[]; readonly at: number } | undefined;

  constructor(private readonly options: LocalStreamPollerOptions) {
    const compiled = options.mapping.filterPatterns.map((pattern) => compilePattern(pattern));
    this.matches = compiled.length === 0 ? () => true : (record) => compiled.some((match) => match(record));
    this.checkpoints = options.checkpointFile && existsSync(options.checkpointFile) ? JSON.parse(readFileSync(options.checkpointFile, 'utf8')) : {};
  }

  /**
   * Polls every `intervalMs` while records come, as Lambda's poller does (about four times a
   * second). After a pass that read nothing the wait doubles, up to `idleIntervalMs`, and `wake()`
   * brings it back to `intervalMs`: an idle local runtime (most of a test run's life) then costs a
   * poll every few seconds instead of four a second, yet nothing written waits longer than on
   * Lambda once the runtime wakes the pollers after each invocation.
   */
  start(intervalMs = 200, idleIntervalMs = intervalMs): void {
    this.cadence = { busyMs: intervalMs, idleMs: Math.max(intervalMs, idleIntervalMs) };
    this.delayMs = intervalMs;
    this.schedule(0);
  }

  /** Something may have been written: the next poll comes within the busy interval. */
  wake(): void {
    if (this.stopped || !this.cadence) return;
    this.delayMs = this.cadence.busyMs;
    if (this.timer === undefined) {
      this.woken = true; // a pass is running: the one after it waits the busy interval
      return;
    }
    if (this.dueAt - Date.now() > this.cadence.busyMs) {
      clearTimeout(this.timer);
      this.schedule(this.cadence.busyMs);
    }
  }

  private schedule(delayMs: number): void {
    this.dueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || !this.cadence) return;
    let read = 0;
    try {
      read = await this.poll();
    } catch (error) {
      this.options.onPollError?.(error);
    }
    this.delayMs = read > 0 || this.woken ? this.cadence.busyMs : Math.min(this.delayMs * 2, this.cadence.idleMs);
    this.woken = false;
    if (!this.stopped) this.schedule(this.delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
  }

  /** One pass over every shard: reads what is new, hands it on. Returns how many records it read. Never two at once. */
  poll(): Promise<number> {
    this.polling ??= this.pollShards().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Polls until a pass reads nothing new: everything written so far has been handled. */
  async drain(): Promise<void> {
    await this.polling?.catch(() => undefined);
    while ((await this.poll()) > 0) {
      // another pass: handling may have written records (and effects) of its own
    }
  }

  private async pollShards(): Promise<number> {
    const { streamsClient } = this.options;
    let seen = 0;
    for (const shard of await this.shards()) {
      const shardId = shard.ShardId!;
      const after = this.checkpoints[shardId];
      // LATEST: a shard first seen is read to its end without handing anything on (what was
      // written before the mapping started is not its business); afterwards it resumes from there.
      const skipping = !after && this.options.mapping.startingPosition === 'LATEST';
      const fromCheckpoint = async () =>
        (
          await streamsClient.send(
            new GetShardIteratorCommand({
              StreamArn: this.options.streamArn,
              ShardId: shardId,
              ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          )
        ).ShardIterator;
      // Taken out while the shard is read: a failed pass resumes from the checkpoint next time.
      const kept = this.nextIterators.get(shardId);
      this.nextIterators.delete(shardId);
      let iterator = kept ?? (await fromCheckpoint());
      while (iterator && !this.stopped) {
        let page;
        try {
          page = await streamsClient.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        } catch (error) {
          // A kept iterator may have expired (15 minutes on AWS): start again from the checkpoint.
          if (iterator !== kept) throw error;
          iterator = await fromCheckpoint();
          continue;
        }
        const records = (page.Records ?? []).map((r) => this.lambdaRecord(r));
        if (records.length === 0) {
          // Read to its end: poll from here next time. No next iterator: the shard is closed, and
          // its children appear in the stream's description.
          if (page.NextShardIterator) this.nextIterators.set(shardId, page.NextShardIterator);
          else this.knownShards = undefined;
          break;
        }
        if (!skipping) {
          seen += records.length;
          await this.handle(records);
        }
        // Stopped during retries: the page is not done; the next start reads it again.
        if (this.stopped) break;
        this.checkpoint(shardId, records.at(-1)!.dynamodb.SequenceNumber);
        iterator = page.NextShardIterator;
      }
    }
    return seen;
  }

  /** The stream's shards, described again when one closed, and at least every few seconds. */
  private async shards(): Promise<Shard[]> {
    if (this.knownShards && Date.now() - this.knownShards.at < SHARDS_REFRESH_MS) return this.knownShards.shards;
    const shards = await this.describeShards();
    this.knownShards = { shards, at: Date.now() };
    return shards;
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await this.options.streamsClient.send(new DescribeStreamCommand({ StreamArn: this.options.streamArn, ...(start && { ExclusiveStartShardId: start }) }));
      shards.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    // Parents before their children, as Lambda reads them.
    const ids = new Set(shards.map((s) => s.ShardId));
    return [...shards.filter((s) => !s.ParentShardId || !ids.has(s.ParentShardId)), ...shards.filter((s) => s.ParentShardId && ids.has(s.ParentShardId))];
  }

  private lambdaRecord(record: SdkStreamRecord): LambdaStreamRecord {
    const { ApproximateCreationDateTime, ...dynamodb } = record.dynamodb ?? {};
    return {
      ...(record.eventID && { eventID: record.eventID }),
      ...(record.eventName && { eventName: record.eventName }),
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      eventSourceARN: this.options.streamArn,
      dynamodb: {
        ...dynamodb,
        SequenceNumber: dynamodb.SequenceNumber!,
        ...(ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(new Date(ApproximateCreationDateTime).getTime() / 1000) }),
      },
    };
  }

  /** Records of one GetRecords page, filtered, in batches of the mapping's size, in order. */
  private async handle(records: readonly LambdaStreamRecord[]): Promise<void> {
    const passed = records.filter((r) => this.matches(r));
    const size = Math.max(1, this.options.mapping.batchSize);
    for (let i = 0; i < passed.length; i += size) await this.deliver(passed.slice(i, i + size), 0);
  }

  /** Invokes the function with a batch until it succeeds, or the batch fails for good. `attempts`: invocations so far. */
  private async deliver(batch: readonly LambdaStreamRecord[], attempts: number): Promise<void> {
    const { mapping } = this.options;
    let records = batch;
    for (;;) {
      const outcome = await this.options.invoke({ Records: records });
      attempts++;
      let error: string | undefined;
      if (outcome.error !== undefined) {
        if (mapping.bisectBatchOnFunctionError && records.length > 1) {
          // Splitting does not count as a retry: each half gets the attempts left.
          const half = Math.ceil(records.length / 2);
          await this.deliver(records.slice(0, half), attempts - 1);
          await this.deliver(records.slice(half), attempts - 1);
          return;
        }
        error = outcome.error;
      } else {
        const failed = mapping.reportBatchItemFailures ? failedItems(outcome.result) : [];
        if (failed.length === 0) return;
        // Retried from the lowest failed sequence number; an identifier not in the batch fails the whole batch.
        const lowest = failed.map((id) => records.findIndex((r) => r.dynamodb.SequenceNumber === id)).sort((a, b) => a - b)[0]!;
        records = lowest < 0 || failed.some((id) => !records.some((r) => r.dynamodb.SequenceNumber === id)) ? records : records.slice(lowest);
        error = `partial batch failure from ${records[0]!.dynamodb.SequenceNumber}`;
      }
      const tooOld = mapping.maximumRecordAgeSeconds >= 0 && records.some((r) => (r.dynamodb.ApproximateCreationDateTime ?? Infinity) * 1000 < Date.now() - mapping.maximumRecordAgeSeconds * 1000);
      const exhausted = mapping.maximumRetryAttempts >= 0 && attempts > mapping.maximumRetryAttempts;
      if (tooOld || exhausted) {
        this.options.onFailedBatch({
          mapping: mapping.logicalId,
          functionId: mapping.functionId,
          records,
          error,
          attempts,
          reason: exhausted ? 'retries-exhausted' : 'record-too-old',
          at: new Date().toISOString(),
        });
        return;
      }
      await new Promise((r) => setTimeout(r, (this.options.retryDelayMs ?? ((n) => 100 * n))(attempts)));
      if (this.stopped) return;
    }
  }

  private checkpoint(shardId: string, sequenceNumber: string): void {
    this.checkpoints[shardId] = sequenceNumber;
    const file = this.options.checkpointFile;
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify(this.checkpoints));
    renameSync(`${file}.tmp`, file);
  }
}

function failedItems(result: unknown): string[] {
  const failures = (result as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null)?.batchItemFailures;
  return Array.isArray(failures) ? failures.map((f) => String(f.itemIdentifier)) : [];
}
