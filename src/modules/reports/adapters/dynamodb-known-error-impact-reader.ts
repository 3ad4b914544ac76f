import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { BoundedRead, KnownErrorImpactReader } from '../app/report-ports';
import type { KnownErrorSummary, LinkedIncident } from '../domain/known-error-impact';
import type { ProblemState } from '../../problems/domain';
import { INCIDENT_LINK_PREFIX, kindIndexKeys, PROBLEM_INDEXES, problemIndexKeys, problemKey } from '../../problems/adapters';

/** The problem states a known error is still open in (the others: Resolved, Closed, Canceled). */
const OPEN_PROBLEM_STATES: readonly ProblemState[] = ['New', 'Assessed', 'Root Cause Analysis', 'Known Error'];
const PAGE = 100;

/**
 * Known errors' impact for the reports function, from the problems table with Queries only (its
 * role holds no GetItem, Scan or write there): known errors on `byKind` (`KNOWN-ERRORS`, newest
 * first, unfixed ones and one service's kept by a filter), open problems on `byState` (one
 * partition per open state), and a problem's incident links in its own partition (`PROBLEM#<id>`,
 * `INCIDENT#…`). Each read projects only what the report uses and stops at its bound.
 */
export class DynamoDbKnownErrorImpactReader implements KnownErrorImpactReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  unfixedKnownErrors(service: string | undefined, bound: number): Promise<BoundedRead<KnownErrorSummary>> {
    const index = PROBLEM_INDEXES.byKind;
    return this.bounded<KnownErrorSummary>(
      {
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        FilterExpression: `#fix <> :implemented${service !== undefined ? ' AND contains(#services, :service)' : ''}`,
        ProjectionExpression: '#id, #title, #fix, #problemId, #services',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#id': 'id', '#title': 'title', '#fix': 'fixStatus', '#problemId': 'problemId', '#services': 'services' },
        ExpressionAttributeValues: { ':pk': kindIndexKeys('KNOWN-ERRORS', { id: '', createdAt: '' }).gsi3pk, ':implemented': 'implemented', ...(service !== undefined && { ':service': service }) },
        ScanIndexForward: false,
      },
      bound,
      (item) => ({
        id: String(item['id']),
        title: String(item['title']),
        fixStatus: item['fixStatus'] as KnownErrorSummary['fixStatus'],
        ...(typeof item['problemId'] === 'string' && { problemId: item['problemId'] }),
        services: Array.isArray(item['services']) ? (item['services'] as string[]) : [],
      }),
    );
  }

  async openProblems(bound: number): Promise<BoundedRead<{ readonly id: string; readonly state: ProblemState }>> {
    const index = PROBLEM_INDEXES.byState;
    const reads = await Promise.all(
      OPEN_PROBLEM_STATES.map((state) =>
        this.bounded<{ id: string; state: ProblemState }>(
          {
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk',
            ProjectionExpression: '#id, #state',
            ExpressionAttributeNames: { '#pk': index.partitionKey, '#id': 'id', '#state': 'state' },
            ExpressionAttributeValues: { ':pk': problemIndexKeys({ id: '', state, createdAt: '' }).gsi2pk },
          },
          bound,
          (item) => ({ id: String(item['id']), state: item['state'] as ProblemState }),
        ),
      ),
    );
    return { items: reads.flatMap((r) => r.items), truncated: reads.some((r) => r.truncated) };
  }

  linkedIncidents(problemId: string, bound: number): Promise<BoundedRead<LinkedIncident>> {
    return this.bounded<LinkedIncident>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ProjectionExpression: '#incident, #number, #created',
        ExpressionAttributeNames: { '#incident': 'incidentId', '#number': 'incidentNumber', '#created': 'incidentCreatedAt' },
        ExpressionAttributeValues: { ':pk': problemKey(problemId).pk, ':prefix': INCIDENT_LINK_PREFIX },
      },
      bound,
      (item) => ({ incidentId: String(item['incidentId']), incidentNumber: String(item['incidentNumber']), incidentCreatedAt: String(item['incidentCreatedAt']) }),
    );
  }

  /** Pages of at most 100 items evaluated, until the end or `bound` items evaluated (a filter may keep fewer). */
  private async bounded<T>(input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>, bound: number, shape: (item: Record<string, unknown>) => T): Promise<BoundedRead<T>> {
    const items: T[] = [];
    let evaluated = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ ...input, TableName: this.tableName, Limit: Math.min(PAGE, bound - evaluated), ...(startKey && { ExclusiveStartKey: startKey }) }),
      );
      evaluated += page.ScannedCount ?? page.Items?.length ?? 0;
      items.push(...(page.Items ?? []).map(shape));
      startKey = page.LastEvaluatedKey;
    } while (startKey && evaluated < bound);
    return { items, truncated: startKey !== undefined };
  }
}
