import { DEFAULT_RETENTION_DAYS } from '../../../kernel/domain/retention';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChangeLink, IncidentLink, IncidentRootCause, KnowledgeSearch, ProblemRepository, ResolutionDrafts, StaleArticle } from '../app/ports';
import type { Page, PageRequest } from '../../../kernel/app/ports';
import { VersionConflictError } from '../../../kernel/domain/domain-errors';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { AuditRecordPut } from '../../../kernel/adapters/dynamodb-audit-trail';
import type { TermHit } from '../domain/kedb-search';
import type { Analysis, KnowledgeArticle, KnownError, Problem, ProblemLogEntry } from '../domain/problem';
import type { ProblemState } from '../domain/problem-lifecycle';
import { decodeCursor, encodeCursor, queryFromCursor } from '../../../kernel/adapters/page-cursor';
import type { OutboxEffect } from '../../outbox/domain';
import { outboxPuts } from '../../outbox/adapters';
import {
  ANALYSIS_PREFIX,
  CHANGE_LINK_PREFIX,
  INCIDENT_LINK_PREFIX,
  KEY_ATTRIBUTES,
  LOG_PREFIX,
  PROBLEM_INDEXES,
  TERM_PREFIX,
  analysisKey,
  articleKey,
  changeLinkKey,
  incidentLinkIndexKeys,
  incidentLinkKey,
  kindIndexKeys,
  knownErrorKey,
  lastAccessIndexKeys,
  lastAccessSortKey,
  logKey,
  PUBLISHED_ARTICLES_PARTITION,
  formatProblemNumber,
  problemIndexKeys,
  problemKey,
  problemNumberCounterKey,
  problemNumberKey,
  recordPartition,
  termIndexKeys,
  termKey,
  type ProblemIndexName,
  type SearchKind,
  INCIDENT_LINKS_PARTITION,
  recentLinkIndexKeys,
} from './problems-table-keys';

/** Reads of the known-error database and knowledge: GetItem and Query on bySearchTerm only. */
export class DynamoDbKnowledgeSearch implements KnowledgeSearch {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async termHits(kind: SearchKind, terms: readonly string[], perTerm: number): Promise<TermHit[]> {
    const index = PROBLEM_INDEXES.bySearchTerm;
    const pages = await Promise.all(
      terms.map(async (term) => {
        const result = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
            ExpressionAttributeValues: { ':pk': termIndexKeys(kind, term, '').gsi1pk },
            ProjectionExpression: '#sk',
            Limit: perTerm,
          }),
        );
        return (result.Items ?? []).map((item) => ({ term, id: String(item[index.sortKey]) }));
      }),
    );
    return pages.flat();
  }

  async getKnownError(id: string): Promise<KnownError | undefined> {
    return this.getEntity<KnownError>(knownErrorKey(id));
  }

  async getArticle(id: string): Promise<KnowledgeArticle | undefined> {
    return this.getEntity<KnowledgeArticle>(articleKey(id));
  }

  /**
   * Every published article (any audience): Queries on byLastAccess, which holds published
   * articles only (sparse), page after page. What the self-help site is rebuilt from; no Scan.
   */
  async publishedArticles(): Promise<KnowledgeArticle[]> {
    const index = PROBLEM_INDEXES.byLastAccess;
    const articles: KnowledgeArticle[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.partitionKey },
          ExpressionAttributeValues: { ':pk': PUBLISHED_ARTICLES_PARTITION },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of result.Items ?? []) articles.push(strip(item) as unknown as KnowledgeArticle);
      start = result.LastEvaluatedKey;
    } while (start);
    return articles;
  }

  protected async getEntity<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return result.Item ? (strip(result.Item) as unknown as T) : undefined;
  }
}

/**
 * The problems table. A problem's change and its log entries are one transaction; links are one
 * item per pair written under `attribute_not_exists`, so concurrent links of the same pair make
 * one item; a known error and its search-term items are one transaction.
 */
export class DynamoDbProblemRepository extends DynamoDbKnowledgeSearch implements ProblemRepository {
  /**
   * @param outboxTable the table outbox items are written to (the incidents table), in the same
   *   transaction as the changes that cause them. The functions always name it; without it (tests
   *   and benches that deliver no effects) effects are not stored.
   */
  constructor(
    db: DynamoDBDocumentClient,
    tableName: string,
    private readonly outboxTable?: string,
    /** Days an outbox item stays if never delivered (client config `retention.outboxItems`). */
    private readonly outboxRetentionDays: number = DEFAULT_RETENTION_DAYS.outboxItems,
  ) {
    super(db, tableName);
  }

  private outboxWrites(effects: readonly OutboxEffect[] | undefined, at: string) {
    if (!effects || effects.length === 0 || !this.outboxTable) return [];
    return outboxPuts(this.outboxTable, effects, at, this.outboxRetentionDays);
  }

  /** The next problem number: one atomic ADD on the counter item, as for incidents. */
  async allocateProblemNumber(): Promise<string> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: problemNumberCounterKey,
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'sequence' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return formatProblemNumber(Number(result.Attributes?.['sequence']));
  }

  /** The problem, its number's alias item (never replaced) and its first log entry: one transaction. */
  async createProblem(problem: Problem, log: ProblemLogEntry): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: problemItem(problem), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...problemNumberKey(problem.number), itemType: 'problem-number', problemId: problem.id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: this.tableName, Item: logItem(log), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  }

  getProblem(id: string): Promise<Problem | undefined> {
    return this.getEntity<Problem>(problemKey(id));
  }

  async getProblemByNumber(number: string): Promise<Problem | undefined> {
    const alias = await this.db.send(new GetCommand({ TableName: this.tableName, Key: problemNumberKey(number) }));
    const id = alias.Item?.['problemId'];
    return typeof id === 'string' ? this.getProblem(id) : undefined;
  }

  async saveProblem(next: Problem, expectedVersion: number, log: readonly ProblemLogEntry[]): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: problemItem(next),
                ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              },
            },
            ...log.map((entry) => ({ Put: { TableName: this.tableName, Item: logItem(entry), ConditionExpression: 'attribute_not_exists(pk)' } })),
          ],
        }),
      );
    } catch (error) {
      if (isTransactionConflict(error)) throw new VersionConflictError(expectedVersion, undefined);
      throw error;
    }
  }

  listProblems(filter: { readonly state?: ProblemState }, page: PageRequest): Promise<Page<Problem>> {
    return filter.state
      ? this.indexPage<Problem>('byState', `PROBLEM-STATE#${filter.state}`, page, { problems: filter.state })
      : this.indexPage<Problem>('byKind', 'PROBLEMS', page, { problems: 'all' });
  }

  async appendLog(entry: ProblemLogEntry): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { ConditionCheck: { TableName: this.tableName, Key: problemKey(entry.problemId), ConditionExpression: 'attribute_exists(pk)' } },
          { Put: { TableName: this.tableName, Item: logItem(entry), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  }

  listLog(problemId: string, page: PageRequest): Promise<Page<ProblemLogEntry>> {
    return this.partitionPage(problemKey(problemId).pk, LOG_PREFIX, page, { log: problemId });
  }

  async putAnalysis(analysis: Analysis): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...analysisKey(analysis.problemId, analysis.id, analysis.version), itemType: 'analysis', ...analysis },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new VersionConflictError(analysis.version - 1, undefined);
      throw error;
    }
  }

  async latestAnalysis(problemId: string, analysisId: string): Promise<Analysis | undefined> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': problemKey(problemId).pk, ':prefix': `${ANALYSIS_PREFIX}${analysisId}#` },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = result.Items?.[0];
    return item ? (strip(item) as unknown as Analysis) : undefined;
  }

  listAnalyses(problemId: string, page: PageRequest): Promise<Page<Analysis>> {
    return this.partitionPage(problemKey(problemId).pk, ANALYSIS_PREFIX, page, { analyses: problemId });
  }

  /**
   * A conditional Put of the pair's item, with a ConditionCheck that the problem exists. A failed
   * Put condition means the pair is linked (by anyone): false. A TransactionConflict (another
   * caller writing the same pair, or the problem being saved right now) is retried: the retry
   * either links or finds the link.
   */
  async linkIncident(link: IncidentLink): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { ConditionCheck: { TableName: this.tableName, Key: problemKey(link.problemId), ConditionExpression: 'attribute_exists(pk)' } },
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...incidentLinkKey(link.problemId, link.incidentId),
                    ...incidentLinkIndexKeys(link.incidentId, link.problemId),
                    ...recentLinkIndexKeys(link),
                    itemType: 'incident-link',
                    ...link,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return false;
        if (!reasons.some((r) => r.Code === 'TransactionConflict') || attempt >= MAX_LINK_ATTEMPTS - 1) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt + Math.floor(Math.random() * 20)));
      }
    }
  }

  async unlinkIncident(problemId: string, incidentId: string): Promise<boolean> {
    const result = await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: incidentLinkKey(problemId, incidentId), ReturnValues: 'ALL_OLD' }));
    return result.Attributes !== undefined;
  }

  incidentsOfProblem(problemId: string, page: PageRequest): Promise<Page<IncidentLink>> {
    return this.partitionPage(problemKey(problemId).pk, INCIDENT_LINK_PREFIX, page, { incidentsOf: problemId });
  }

  incidentLinksSince(since: string, page: PageRequest): Promise<Page<IncidentLink>> {
    return this.indexPage('byKind', INCIDENT_LINKS_PARTITION, page, { linksSince: since }, since);
  }

  problemsOfIncident(incidentId: string, page: PageRequest): Promise<Page<IncidentLink>> {
    return this.indexPage('byIncident', incidentLinkIndexKeys(incidentId, '').gsi4pk, page, { problemsOf: incidentId });
  }

  async linkChange(link: ChangeLink): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...changeLinkKey(link.problemId, link.changeId), itemType: 'change-link', ...link },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  changesOfProblem(problemId: string, page: PageRequest): Promise<Page<ChangeLink>> {
    return this.partitionPage(problemKey(problemId).pk, CHANGE_LINK_PREFIX, page, { changesOf: problemId });
  }

  /**
   * The known error under a version condition, with its term items: terms it no longer has are
   * deleted. Records have at most MAX_RECORD_TERMS (40) terms, so at most 81 items: one transaction.
   */
  async putKnownError(knownError: KnownError, terms: readonly string[], previous?: { readonly version: number; readonly terms: readonly string[] }): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...knownErrorKey(knownError.id), ...kindIndexKeys('KNOWN-ERRORS', knownError), itemType: 'known-error', ...knownError },
                ...(previous
                  ? {
                      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
                      ExpressionAttributeNames: { '#version': 'version' },
                      ExpressionAttributeValues: { ':expected': previous.version },
                    }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            },
            ...this.termWrites('ke', knownError.id, terms, previous?.terms ?? []),
          ],
        }),
      );
    } catch (error) {
      if (previous && isTransactionConflict(error)) throw new VersionConflictError(previous.version, undefined);
      throw error;
    }
  }

  knownErrorTerms(id: string): Promise<string[]> {
    return this.termsOf('ke', id);
  }

  private async termsOf(kind: SearchKind, id: string): Promise<string[]> {
    const terms: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': recordPartition(kind, id), ':prefix': TERM_PREFIX },
          ProjectionExpression: 'sk',
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of result.Items ?? []) terms.push(String(item['sk']).slice(TERM_PREFIX.length));
      start = result.LastEvaluatedKey;
    } while (start);
    return terms;
  }

  listKnownErrors(page: PageRequest): Promise<Page<KnownError>> {
    return this.indexPage('byKind', 'KNOWN-ERRORS', page, { knownErrors: 'all' });
  }

  async createArticle(article: KnowledgeArticle, terms: readonly string[], effects?: readonly OutboxEffect[]): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: articleItem(article), ConditionExpression: 'attribute_not_exists(pk)' } },
          // Only published articles are found by search; drafts are read by id.
          ...(article.state === 'published' ? this.termWrites('ka', article.id, terms, []) : []),
          ...this.outboxWrites(effects, article.updatedAt),
        ],
      }),
    );
  }

  async createKnownErrorArticle(article: KnowledgeArticle, terms: readonly string[], knownError: KnownError, previousVersion: number, effects: readonly OutboxEffect[]): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...knownErrorKey(knownError.id), ...kindIndexKeys('KNOWN-ERRORS', knownError), itemType: 'known-error', ...knownError },
                ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': previousVersion },
              },
            },
            { Put: { TableName: this.tableName, Item: articleItem(article), ConditionExpression: 'attribute_not_exists(pk)' } },
            ...(article.state === 'published' ? this.termWrites('ka', article.id, terms, []) : []),
            ...this.outboxWrites(effects, article.updatedAt),
          ],
        }),
      );
    } catch (error) {
      if (isTransactionConflict(error)) throw new VersionConflictError(previousVersion, undefined);
      throw error;
    }
  }

  /**
   * The next version of an article, as an UpdateItem under a version condition (not a Put: the
   * view count and last access that reads keep adding are left as they are), with its term items:
   * a published article has its terms, any other none. `lastActivity`: archive only if nobody has
   * read it since the caller looked (the retirement job).
   */
  async saveArticle(
    next: KnowledgeArticle,
    previous: { readonly version: number; readonly state: KnowledgeArticle['state']; readonly terms: readonly string[] },
    terms: readonly string[],
    options: { readonly lastActivity?: string; readonly effects?: readonly OutboxEffect[] } = {},
  ): Promise<void> {
    const index = PROBLEM_INDEXES.byLastAccess;
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': previous.version };
    const sets: string[] = [];
    const removes: string[] = [];
    const set = (attribute: string, value: unknown) => {
      const n = `#a${sets.length}`;
      names[n] = attribute;
      values[`:v${sets.length}`] = value;
      sets.push(`${n} = :v${sets.length}`);
    };
    for (const [attribute, value] of Object.entries(next)) if (!ARTICLE_READ_FIELDS.includes(attribute) && attribute !== 'id') set(attribute, value);
    const absent = OPTIONAL_ARTICLE_FIELDS.filter((f) => (next as unknown as Record<string, unknown>)[f] === undefined);
    if (next.state === 'published' && previous.state !== 'published') {
      const keys = lastAccessIndexKeys(next.publishedAt ?? next.updatedAt, next.id);
      set(index.partitionKey, keys.gsi5pk);
      set(index.sortKey, keys.gsi5sk);
    } else if (next.state !== 'published') absent.push(index.partitionKey, index.sortKey);
    absent.forEach((attribute, i) => {
      names[`#r${i}`] = attribute;
      removes.push(`#r${i}`);
    });
    let condition = 'attribute_exists(pk) AND #version = :expected';
    if (options.lastActivity !== undefined) {
      names['#activity'] = index.sortKey;
      values[':activity'] = options.lastActivity;
      condition += ' AND #activity = :activity';
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: articleKey(next.id),
                UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
                ConditionExpression: condition,
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            ...this.termWrites('ka', next.id, next.state === 'published' ? terms : [], previous.terms),
            ...this.outboxWrites(options.effects, next.updatedAt),
          ],
        }),
      );
    } catch (error) {
      if (isTransactionConflict(error)) throw new VersionConflictError(previous.version, undefined);
      throw error;
    }
  }

  articleTerms(id: string): Promise<string[]> {
    return this.termsOf('ka', id);
  }

  /**
   * A read by id: one UpdateItem that adds a view and moves the article's last access (and its
   * place on byLastAccess, which only published articles are on). No new version, no ETag change.
   * `publishedOnly`: for readers who may see published articles only; anything else reads as absent.
   */
  async recordView(id: string, at: string, publishedOnly: boolean): Promise<KnowledgeArticle | undefined> {
    // Client users read published articles that are not internal (no audience: client, as before audiences).
    const result = await this.countRead(id, at, publishedOnly ? 'not-internal' : undefined, 'ALL_NEW');
    return result ? (strip(result) as unknown as KnowledgeArticle) : undefined;
  }

  async recordSiteView(id: string, at: string): Promise<boolean> {
    return (await this.countRead(id, at, 'public', 'NONE')) !== undefined;
  }

  /**
   * One UpdateItem: a view and the last access, conditioned on the article being published for
   * the audience (`not-internal`: client users; `public`: the public site). undefined when refused.
   */
  private async countRead(id: string, at: string, published: 'not-internal' | 'public' | undefined, returnValues: 'ALL_NEW' | 'NONE'): Promise<Record<string, unknown> | undefined> {
    const index = PROBLEM_INDEXES.byLastAccess;
    const audience = published === 'public' ? '#audience = :public' : '(attribute_not_exists(#audience) OR #audience <> :internal)';
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: articleKey(id),
          UpdateExpression: 'ADD #views :one SET #last = :at, #activity = :activity',
          ConditionExpression: published ? `attribute_exists(pk) AND #state = :published AND ${audience}` : 'attribute_exists(pk)',
          ExpressionAttributeNames: {
            '#views': 'views',
            '#last': 'lastAccessedAt',
            '#activity': index.sortKey,
            ...(published && { '#state': 'state', '#audience': 'audience' }),
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':at': at,
            ':activity': lastAccessSortKey(at, id),
            ...(published && { ':published': 'published' }),
            ...(published === 'public' ? { ':public': 'public' } : published && { ':internal': 'internal' }),
          },
          ReturnValues: returnValues,
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Published articles whose last activity is before `before`, least recent first: one Query on byLastAccess. */
  async staleArticles(before: string, limit: number): Promise<StaleArticle[]> {
    const index = PROBLEM_INDEXES.byLastAccess;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #sk < :before',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
        ExpressionAttributeValues: { ':pk': PUBLISHED_ARTICLES_PARTITION, ':before': before },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => ({ article: strip(item) as unknown as KnowledgeArticle, lastActivity: String(item[index.sortKey]) }));
  }

  private termWrites(kind: SearchKind, id: string, terms: readonly string[], previous: readonly string[]) {
    const TableName = this.tableName;
    const writes: Record<string, unknown>[] = [];
    for (const term of terms) {
      if (previous.includes(term)) continue;
      writes.push({ Put: { TableName, Item: { ...termKey(kind, id, term), ...termIndexKeys(kind, term, id), itemType: 'term' } } });
    }
    for (const term of previous) if (!terms.includes(term)) writes.push({ Delete: { TableName, Key: termKey(kind, id, term) } });
    return writes;
  }

  private async partitionPage<T>(pk: string, prefix: string, page: PageRequest, shape: unknown): Promise<Page<T>> {
    const result = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as T),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /** A page of an index partition; `sortFrom`: only sort keys from it on. */
  private async indexPage<T>(indexName: ProblemIndexName, partition: string, page: PageRequest, shape: unknown, sortFrom?: string): Promise<Page<T>> {
    const index = PROBLEM_INDEXES[indexName];
    const result = await this.query({
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: sortFrom === undefined ? '#pk = :pk' : '#pk = :pk AND #sk >= :from',
      ExpressionAttributeNames: { '#pk': index.partitionKey, ...(sortFrom !== undefined && { '#sk': index.sortKey }) },
      ExpressionAttributeValues: { ':pk': partition, ...(sortFrom !== undefined && { ':from': sortFrom }) },
      Limit: page.limit,
      ...(page.nextToken && { ExclusiveStartKey: decodeCursor(page.nextToken, shape) }),
    });
    return {
      items: (result.Items ?? []).map((item) => strip(item) as unknown as T),
      ...(result.LastEvaluatedKey && { nextToken: encodeCursor(result.LastEvaluatedKey, shape) }),
    };
  }

  /** A start key DynamoDB refuses can only come from a doctored cursor (page-cursor.ts). */
  private query(input: QueryCommandInput) {
    return queryFromCursor(this.db, input);
  }
}

/** Written by reads (recordView), never by a version's update. */
const ARTICLE_READ_FIELDS: readonly string[] = ['views', 'lastAccessedAt'];
/** Fields a version may drop: removed from the item when absent. */
const OPTIONAL_ARTICLE_FIELDS: readonly string[] = ['service', 'category', 'source', 'publishedAt', 'knownErrorId'];
const articleItem = (article: KnowledgeArticle) => ({
  ...articleKey(article.id),
  ...kindIndexKeys('KNOWLEDGE', article),
  ...(article.state === 'published' && lastAccessIndexKeys(article.publishedAt ?? article.createdAt, article.id)),
  itemType: 'article',
  ...article,
});

/**
 * What the incidents function may do in the problems table besides searching: store the draft
 * article of a resolution, once. The draft's id is derived from the incident and its resolution
 * count, so a retried or replayed resolution meets its own draft and writes nothing.
 */
export class DynamoDbResolutionDrafts implements ResolutionDrafts {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly auditTrail: { transactPut(entry: AuditEntry): AuditRecordPut },
  ) {}

  async recordDraft(article: KnowledgeArticle, audit: AuditEntry): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: articleItem(article), ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: this.auditTrail.transactPut(audit) },
          ],
        }),
      );
      return true;
    } catch (error) {
      // The draft is there already: stored, and audited, by an earlier delivery.
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }
}

const problemItem = (problem: Problem) => ({ ...problemKey(problem.id), ...problemIndexKeys(problem), itemType: 'problem', ...problem });
const logItem = (entry: ProblemLogEntry) => ({ ...logKey(entry.problemId, entry.at, entry.id), itemType: 'log', ...entry });

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const entity: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(key)) entity[key] = value;
  return entity;
}

/** Transaction conflicts on one pair clear within a few short retries. */
const MAX_LINK_ATTEMPTS = 6;

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';
const isTransactionConflict = (error: unknown) => {
  const code = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0]?.Code : undefined;
  return code === 'ConditionalCheckFailed' || code === 'TransactionConflict';
};

/**
 * An incident's root cause, for its report (the incidents function): the problems it is linked to
 * (one Query on byIncident), each with its known error (GetItems). At most 20 problems.
 */
export class DynamoDbIncidentRootCauses extends DynamoDbKnowledgeSearch {
  async problemsOfIncident(incidentId: string): Promise<readonly IncidentRootCause[]> {
    const index = PROBLEM_INDEXES.byIncident;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': incidentLinkIndexKeys(incidentId, '').gsi4pk },
        Limit: 20,
      }),
    );
    const links = (result.Items ?? []).map((item) => strip(item) as unknown as IncidentLink);
    const problems = await Promise.all(links.map((link) => this.getEntity<Problem>(problemKey(link.problemId))));
    return Promise.all(
      problems
        .filter((p): p is Problem => p !== undefined)
        .map(async (p) => {
          const knownError = p.knownErrorId ? await this.getKnownError(p.knownErrorId) : undefined;
          return {
            id: p.id,
            number: p.number,
            title: p.title,
            state: p.state,
            ...(p.resolution && { resolution: p.resolution }),
            ...(knownError && { knownError: { id: knownError.id, title: knownError.title, rootCause: knownError.rootCause, workaround: knownError.workaround, fixStatus: knownError.fixStatus } }),
          };
        }),
    );
  }
}
