import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InvalidInputError, VersionConflictError } from '../../domain/domain-errors';
import type { Incident } from '../../domain/incident';
import type { IncidentFilter, IncidentRepository, Page, PageRequest } from '../../app/ports';
import { decodeCursor, encodeCursor } from './page-cursor';
import {
  INCIDENT_INDEXES,
  KEY_ATTRIBUTES,
  formatIncidentNumber,
  incidentIndexKeys,
  incidentKey,
  incidentNumberCounterKey,
  type IncidentIndexName,
} from './incidents-table-keys';

/** A page read stops after this many DynamoDB calls even if filters left it short; the cursor resumes. */
const MAX_QUERY_CALLS_PER_PAGE = 5;

export class DynamoDbIncidentRepository implements IncidentRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async allocateNumber(): Promise<string> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: incidentNumberCounterKey,
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'sequence' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return formatIncidentNumber(Number(result.Attributes?.['sequence']));
  }

  async create(incident: Incident): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: toItem(incident),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Incident | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: incidentKey(id) }));
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async getByNumber(number: string): Promise<Incident | undefined> {
    const index = INCIDENT_INDEXES.byNumber;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': `NUMBER#${number}` },
        Limit: 1,
      }),
    );
    const item = result.Items?.[0];
    return item ? fromItem(item) : undefined;
  }

  async replace(incident: Incident, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(incident),
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new VersionConflictError(expectedVersion, undefined);
      throw error;
    }
  }

  private query(input: QueryCommandInput) {
    return queryWithCursor(this.db, input);
  }

  async list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>> {
    const plan = planQuery(filter);
    const shape = { index: plan.index, filter };
    const index = INCIDENT_INDEXES[plan.index];
    const names: Record<string, string> = { '#pk': index.partitionKey };
    const values: Record<string, unknown> = { ':pk': plan.partition };
    let keyCondition = '#pk = :pk';
    if (plan.sortPrefix) {
      names['#sk'] = index.sortKey;
      values[':skPrefix'] = plan.sortPrefix;
      keyCondition += ' AND begins_with(#sk, :skPrefix)';
    }
    const filters = Object.entries(plan.residual).map(([field, value]) => {
      names[`#f_${field}`] = field;
      values[`:f_${field}`] = value;
      return `#f_${field} = :f_${field}`;
    });
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: plan.oldestFirst,
      ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
    };

    const items: Incident[] = [];
    let startKey = page.nextToken ? decodeCursor(page.nextToken, shape) : undefined;
    for (let call = 0; call < MAX_QUERY_CALLS_PER_PAGE && items.length < page.limit; call++) {
      const result = await this.query({ ...input, Limit: page.limit - items.length, ExclusiveStartKey: startKey });
      items.push(...(result.Items ?? []).map(fromItem));
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey && { nextToken: encodeCursor(startKey, shape) }) };
  }
}

/** A start key DynamoDB refuses can only come from a doctored cursor: the client's error, not ours. */
async function queryWithCursor(db: DynamoDBDocumentClient, input: QueryCommandInput) {
  try {
    return await db.send(new QueryCommand(input));
  } catch (error) {
    if (input.ExclusiveStartKey && (error as { name?: string }).name === 'ValidationException') {
      throw new InvalidInputError([{ field: 'nextToken', message: 'is not a cursor returned by this list with these filters' }]);
    }
    throw error;
  }
}

interface QueryPlan {
  readonly index: IncidentIndexName;
  readonly partition: string;
  readonly sortPrefix?: string;
  /** Filters the chosen index does not cover, applied as a FilterExpression. */
  readonly residual: Partial<Record<'state' | 'priority' | 'service' | 'reportedBy', string>>;
  readonly oldestFirst: boolean;
}

/** Picks the most selective index for the filter; everything else is a filter on that Query. */
export function planQuery(filter: IncidentFilter): QueryPlan {
  const { state, priority, service, reportedBy } = filter;
  if (reportedBy !== undefined) {
    return { index: 'byReporter', partition: `REPORTER#${reportedBy}`, residual: defined({ state, priority, service }), oldestFirst: false };
  }
  if (state !== undefined) {
    return {
      index: 'byState',
      partition: `STATE#${state}`,
      ...(priority !== undefined && { sortPrefix: `${priority}#` }),
      residual: defined({ service }),
      oldestFirst: true,
    };
  }
  if (service !== undefined) {
    return { index: 'byService', partition: `SERVICE#${service}`, residual: defined({ priority }), oldestFirst: false };
  }
  if (priority !== undefined) {
    return { index: 'byPriority', partition: `PRIORITY#${priority}`, residual: {}, oldestFirst: false };
  }
  return { index: 'byCreated', partition: 'INCIDENTS', residual: {}, oldestFirst: false };
}

function defined<T extends Record<string, string | undefined>>(record: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

function toItem(incident: Incident): Record<string, unknown> {
  return { ...incidentKey(incident.id), ...incidentIndexKeys(incident), ...incident };
}

function fromItem(item: Record<string, unknown>): Incident {
  const entity = { ...item };
  for (const attribute of KEY_ATTRIBUTES) delete entity[attribute];
  return entity as unknown as Incident;
}
