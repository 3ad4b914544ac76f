import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pseudonymise } from '../../../kernel/domain/personal-data';
import type { PersonalDataStore } from '../app/ports';

export interface DynamoDbPersonalDataStoreOptions {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The records' name in the erasure report (`incidents`, `changes`…). */
  readonly name: string;
  /** The table's key attributes: never rewritten (an item keyed by a person, a quota counter, expires by TTL instead). */
  readonly keyAttributes?: readonly string[];
}

/** Index key attributes (`gsi5pk = REPORTER#alice`): `#`-separated segments that name the person are replaced too. */
const INDEX_KEY = /^gsi\d+(pk|sk)$/;
/** Attempts per item when a writer changes it between the read and the rewrite. */
const ATTEMPTS = 3;

/**
 * Pseudonymises a person in every item of one table (incidents, timeline entries, outbox items,
 * requests, changes, problems…): the values under personal keys (personal-data.ts) and the index
 * keys that embed them, so the person's queues and "my incidents" are theirs no more.
 *
 * Erasure is an operator's procedure, not a request path: it reads the whole table with a
 * paginated Scan (cost: one read unit per 4 KB of the table), because a person can be named in
 * any record — as a commenter or a past assignee — that no index finds. Each item changed is put
 * back only if it is unchanged since it was read (its `version` where it has one, every attribute
 * otherwise is not compared: items without a version are written once and never changed).
 */
export class DynamoDbPersonalDataStore implements PersonalDataStore {
  readonly name: string;
  private readonly keyAttributes: readonly string[];

  constructor(private readonly options: DynamoDbPersonalDataStoreOptions) {
    this.name = options.name;
    this.keyAttributes = options.keyAttributes ?? ['pk', 'sk'];
  }

  async pseudonymise(identifiers: ReadonlySet<string>, pseudonym: string): Promise<number> {
    let changed = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.db.send(new ScanCommand({ TableName: this.options.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) if (await this.rewrite(item, identifiers, pseudonym)) changed++;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return changed;
  }

  private async rewrite(read: Record<string, unknown>, identifiers: ReadonlySet<string>, pseudonym: string): Promise<boolean> {
    let item: Record<string, unknown> | undefined = read;
    for (let attempt = 1; item; attempt++) {
      const next = pseudonymisedItem(item, identifiers, pseudonym, this.keyAttributes);
      if (!next) return false;
      try {
        await putOverRead(this.options.db, this.options.tableName, next, item, this.keyAttributes[0]!);
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= ATTEMPTS) throw error;
        const key = Object.fromEntries(this.keyAttributes.filter((k) => item![k] !== undefined).map((k) => [k, item![k]]));
        item = (await this.options.db.send(new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }))).Item;
      }
    }
    return false;
  }
}

/**
 * Puts `next` over `read`: as its next version, conditional on the version read, where it has one;
 * else only if it still exists (`keyAttribute` present).
 */
export async function putOverRead(db: DynamoDBDocumentClient, tableName: string, next: Record<string, unknown>, read: Record<string, unknown>, keyAttribute = 'pk'): Promise<void> {
  const version = read['version'];
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: typeof version === 'number' ? { ...next, version: version + 1 } : next,
      ...(typeof version === 'number'
        ? { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': version } }
        : { ConditionExpression: 'attribute_exists(#key)', ExpressionAttributeNames: { '#key': keyAttribute } }),
    }),
  );
}

/** The item with the person pseudonymised (keys kept, index keys rewritten), or undefined when it does not name them. */
export function pseudonymisedItem(
  item: Record<string, unknown>,
  identifiers: ReadonlySet<string>,
  pseudonym: string,
  keyAttributes: readonly string[],
): Record<string, unknown> | undefined {
  const keys: Record<string, unknown> = {};
  const indexKeys: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  let replaced = 0;
  for (const [name, value] of Object.entries(item)) {
    if (keyAttributes.includes(name)) keys[name] = value;
    else if (INDEX_KEY.test(name) && typeof value === 'string') {
      const segments = value.split('#');
      const renamed = segments.map((segment) => (identifiers.has(segment) ? pseudonym : segment));
      if (renamed.some((segment, i) => segment !== segments[i])) replaced++;
      indexKeys[name] = renamed.join('#');
    } else rest[name] = value;
  }
  const result = pseudonymise(rest, identifiers, pseudonym);
  replaced += result.replaced;
  return replaced === 0 ? undefined : { ...result.value, ...indexKeys, ...keys };
}
