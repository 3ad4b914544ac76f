import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbProblemRepository } from '../../src/modules/problems/adapters/dynamodb-problem-repository';
import { createArticle, getArticle, retireStaleArticles, updateArticle, type ProblemDeps } from '../../src/modules/problems/app/problem-use-cases';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { newKnowledgeArticle, type KnowledgeArticle } from '../../src/modules/problems/domain/problem';
import { createTestTables, type TestTables } from '../support/test-tables';
import { lambdaContext } from './support-events';
import { exampleFunctionEnv, muteEmptyMetricsWarning, setEnv } from './support-handler';

/**
 * Stale-article retirement against DynamoDB Local: the use case with a clock the test moves, and
 * the scheduled Lambda wired as the stack wires it (real clock).
 */

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const agent: Caller = { id: 'a-1', name: 'alice.agent', roles: ['agent'] };

let tables: TestTables;
let repository: DynamoDbProblemRepository;
let audit: DynamoDbAuditTrail;
let now = T0;

beforeEach(async () => {
  // Fresh tables per test: byLastAccess must hold only this test's articles.
  tables = await createTestTables();
  repository = new DynamoDbProblemRepository(tables.documents, tables.names.problems);
  audit = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } });
  now = T0;
});
afterEach(() => tables?.destroy());

const deps = (): ProblemDeps => ({
  problems: repository,
  incidents: { get: () => Promise.resolve(undefined), getByNumber: () => Promise.resolve(undefined), createdBetween: () => Promise.resolve({ items: [] }) },
  clock: { now: () => new Date(now) },
  ids: { newId: () => randomUUID() },
  audit,
});
const at = (days: number) => {
  now = T0 + days * DAY;
};
const publish = (title: string, state: 'published' | 'draft' = 'published') => createArticle(deps(), agent, { title, body: '…', tags: ['kb'], state });
const retire = () => retireStaleArticles(deps(), 'P180D');
const stored = (id: string) => repository.getArticle(id) as Promise<KnowledgeArticle>;

describe('retireStaleArticles (the clock moved by the test)', () => {
  test('archives published articles nobody read for knowledgeStaleAfter, by last read or publication; drafts stay; terms go; each archive audited', async () => {
    const unread = await publish('Unread platypus guide');
    const read = await publish('Read echidna guide');
    const draft = await publish('Draft dingo notes', 'draft');
    at(10);
    const later = await publish('Later koala guide');
    at(100);
    await getArticle(deps(), agent, read.id);

    at(181); // unread: published 181 days ago; read: read 81 days ago; later: published 171 days ago.
    expect(await retire()).toBe(1);
    expect(await stored(unread.id)).toMatchObject({ state: 'archived', updatedBy: 'system:knowledge-retirement', version: 2 });
    expect((await Promise.all([read, later, draft].map((a) => stored(a.id)))).map((a) => a.state)).toEqual(['published', 'published', 'draft']);
    expect(await repository.termHits('ka', ['platypus', 'tag:kb'], 10)).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ id: unread.id })]),
    );
    expect(await repository.termHits('ka', ['platypus'], 10)).toEqual([]);
    // Still readable by id by the desk.
    expect((await getArticle(deps(), agent, unread.id)).state).toBe('archived');
    const records = await audit.list({ resource: { type: 'article', id: unread.id } }, { limit: 10 });
    expect(records.items.map((r) => [r.action, r.actor, r.roles])).toEqual([
      ['article:create', 'alice.agent', ['agent']],
      ['article:archive', 'system:knowledge-retirement', ['system']],
    ]);
    expect(records.items[1]!.changes).toEqual(expect.arrayContaining([{ field: 'state', before: 'published', after: 'archived' }]));

    at(182);
    expect(await retire()).toBe(0);
    at(281); // read 181 days ago; later published 271 days ago.
    expect(await retire()).toBe(2);
    expect((await Promise.all([read, later, draft].map((a) => stored(a.id)))).map((a) => a.state)).toEqual(['archived', 'archived', 'draft']);
    expect(await retire()).toBe(0);

    // Published again: back on the index from now, stale again only after another period.
    const current = await stored(later.id);
    await updateArticle(deps(), agent, later.id, { state: 'published' }, current.version);
    at(281 + 179);
    expect(await retire()).toBe(0);
    at(281 + 181);
    expect(await retire()).toBe(1);
  });

  test('an article read between the Query and its archive is left published (the archive is conditional on its last activity)', async () => {
    const article = await publish('Wallaby printer guide');
    at(200);
    const racing = Object.create(repository) as DynamoDbProblemRepository;
    racing.staleArticles = async (before, limit) => {
      const stale = await repository.staleArticles(before, limit);
      await repository.recordView(article.id, new Date(now).toISOString(), false);
      return stale;
    };
    expect(await retireStaleArticles({ ...deps(), problems: racing }, 'P180D')).toBe(0);
    expect(await stored(article.id)).toMatchObject({ state: 'published', views: 1 });
    expect(await repository.termHits('ka', ['wallaby'], 10)).toEqual([{ term: 'wallaby', id: article.id }]);
  });

  test('more stale articles than a page: every one is archived across pages, up to the per-run cap', async () => {
    // Seeded through the repository: 105 creations' audit appends would only contend for the chain head.
    const many = Array.from({ length: 105 }, (_, i) => newKnowledgeArticle(randomUUID(), { title: `Bulk article ${i}`, body: '…', state: 'published' }, agent, new Date(now).toISOString()));
    await Promise.all(many.map((a) => repository.createArticle(a, [])));
    at(365);
    expect(await retireStaleArticles(deps(), 'P180D', 101)).toBe(101);
    expect(await retire()).toBe(4);
    const states = await Promise.all(many.map((a) => stored(a.id)));
    expect(states.every((a) => a.state === 'archived')).toBe(true);
  });
});

describe('knowledge-retirement handler (scheduled Lambda)', () => {
  test('archives what nobody read for P180D (real clock), leaves the rest', async () => {
    const restore = setEnv(exampleFunctionEnv(tables));
    try {
      muteEmptyMetricsWarning();
      let handler!: (event: ScheduledEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ archived: number }>;
      jest.isolateModules(() => {
        handler = (require('../../src/modules/problems/functions/knowledge-retirement-handler') as typeof import('../../src/modules/problems/functions/knowledge-retirement-handler')).handler as unknown as typeof handler;
      });
      now = Date.now() - 200 * DAY;
      const old = await publish('Old tapir guide');
      now = Date.now() - 10 * DAY;
      const fresh = await publish('Fresh tapir guide');
      const event = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: new Date().toISOString(), region: 'eu-west-2', resources: [], detail: {} } as ScheduledEvent;
      expect(await handler(event, lambdaContext())).toEqual({ archived: 1 });
      expect((await stored(old.id)).state).toBe('archived');
      expect((await stored(fresh.id)).state).toBe('published');
    } finally {
      restore();
    }
  });
});
