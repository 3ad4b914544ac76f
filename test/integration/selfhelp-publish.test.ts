import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import { DynamoDbProblemRepository } from '../../src/modules/problems/adapters/dynamodb-problem-repository';
import {
  createArticle,
  createKnownError,
  getArticle,
  publishKnownErrorArticle,
  searchArticles,
  updateArticle,
  updateKnownError,
  type ProblemDeps,
} from '../../src/modules/problems/app/problem-use-cases';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import { publishSite } from '../../src/modules/selfhelp/app';
import { DynamoDbSiteSource, FolderSiteStore } from '../../src/modules/selfhelp/adapters';
import { createTestTables, type TestTables } from '../support/test-tables';
import { unzipSync } from 'fflate';
import { BUNDLE_PATH } from '../../src/modules/selfhelp/domain';

/**
 * Audiences, a known error's article and the self-help site's publishing against DynamoDB Local:
 * the knowledge writes store their publish-site effect in the incidents table in their own
 * transaction (nothing when refused), and a rebuild from the tables writes the site into a folder,
 * skipping unchanged files.
 */
const engineer: Caller = { id: 'e-1', name: 'erin.engineer', roles: ['engineer'] };
const requester: Caller = { id: 'r-1', name: 'rory.requester', roles: ['requester'] };

let tables: TestTables;
let repository: DynamoDbProblemRepository;
let siteDir: string;

beforeEach(async () => {
  tables = await createTestTables();
  repository = new DynamoDbProblemRepository(tables.documents, tables.names.problems, tables.names.incidents);
  siteDir = mkdtempSync(join(tmpdir(), 'itsm-site-'));
});
afterEach(async () => {
  await tables?.destroy();
  rmSync(siteDir, { recursive: true, force: true });
});

const deps = (): ProblemDeps => ({
  problems: repository,
  incidents: { get: () => Promise.resolve(undefined), getByNumber: () => Promise.resolve(undefined), createdBetween: () => Promise.resolve({ items: [] }) },
  clock: { now: () => new Date() },
  ids: { newId: () => randomUUID() },
  audit: new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } }),
});

async function outboxEffects(): Promise<{ effectId: string; kind: string }[]> {
  const result = await tables.documents.send(new QueryCommand({ TableName: tables.names.incidents, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION } }));
  return (result.Items ?? []).map((i) => ({ effectId: String(i['effectId']), kind: String(i['kind']) }));
}

const publisher = () => ({
  source: new DynamoDbSiteSource(tables.documents, { problems: tables.names.problems, catalogue: tables.names.catalogue, incidents: tables.names.incidents }),
  store: new FolderSiteStore(siteDir),
  settings: { title: 'Example help', baseUrl: 'http://127.0.0.1/help/', access: 'public' as const, desk: { name: 'Desk', email: 'desk@example.com' } },
  clock: { now: () => new Date() },
});
const siteText = () =>
  readdirSync(siteDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');

test('a known error published as a public article: linked both ways, its effect stored with it, on the site, kept in step', async () => {
  const knownError = await createKnownError(deps(), engineer, {
    title: 'VPN drops every hour',
    symptoms: 'The VPN client disconnects on the hour',
    rootCause: 'SECRET-ANALYSIS: the concentrator rekeys',
    workaround: 'Reconnect; the session resumes',
    services: ['vpn'],
    tags: ['vpn'],
  });
  expect(await outboxEffects()).toEqual([]);
  const { article, created } = await publishKnownErrorArticle(deps(), engineer, knownError.id, 'public');
  expect({ created, audience: article.audience, knownErrorId: article.knownErrorId, state: article.state }).toEqual({ created: true, audience: 'public', knownErrorId: knownError.id, state: 'published' });
  expect((await repository.getKnownError(knownError.id))?.articleId).toBe(article.id);
  expect(article.body).not.toContain('SECRET-ANALYSIS');
  expect(await outboxEffects()).toEqual([{ effectId: `${article.id}#v1#publish-site`, kind: 'publish-site' }]);

  // An internal article, published: it is on the index but never on the site.
  await createArticle(deps(), engineer, { title: 'Internal INTERNAL-RUNBOOK', body: 'INTERNAL-RUNBOOK', state: 'published', audience: 'internal', tags: ['vpn'] });
  const first = await publishSite(publisher(), { trigger: article.id });
  expect(first.outcome).toBe('published');
  expect(readFileSync(join(siteDir, `articles/${article.id}.html`), 'utf8')).toContain('Reconnect; the session resumes');
  expect(siteText()).not.toContain('INTERNAL-RUNBOOK');
  expect(siteText()).not.toContain('SECRET-ANALYSIS');

  // The workaround changes on the known error: the article follows, with its own effect.
  const stored = (await repository.getKnownError(knownError.id))!;
  await updateKnownError(deps(), engineer, knownError.id, { workaround: 'Use the web portal until the fix' }, stored.version);
  const followed = (await repository.getArticle(article.id))!;
  expect(followed.body).toContain('Use the web portal until the fix');
  expect((await outboxEffects()).map((e) => e.effectId)).toContain(`${article.id}#v2#publish-site`);
  const second = await publishSite(publisher(), { trigger: article.id });
  expect(second.written).toBeGreaterThan(0);
  expect(second.written).toBeLessThan(first.written);
  expect(readFileSync(join(siteDir, `articles/${article.id}.html`), 'utf8')).toContain('Use the web portal until the fix');
  // Nothing changed since: a rebuild writes nothing.
  expect((await publishSite(publisher())).written).toBe(0);

  // Archived: its page goes.
  await updateArticle(deps(), engineer, article.id, { state: 'archived' }, followed.version);
  const third = await publishSite(publisher(), { trigger: article.id });
  expect(third.deleted).toBeGreaterThan(0);
  expect(() => readFileSync(join(siteDir, `articles/${article.id}.html`))).toThrow();
});

test('a secret in the text is refused before anything is published, naming the field; nothing stored, no effect', async () => {
  const knownError = await createKnownError(deps(), engineer, {
    title: 'Login fails',
    symptoms: 'Users cannot sign in',
    rootCause: 'Expired key',
    workaround: 'Sign with ghp_abcdefghijklmnopqrstuvwxyz0123456789AB',
  });
  await expect(publishKnownErrorArticle(deps(), engineer, knownError.id)).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'workaround' })] });
  await expect(createArticle(deps(), engineer, { title: 'Keys', body: 'Use AKIAIOSFODNN7EXAMPLE', state: 'published' })).rejects.toBeInstanceOf(InvalidInputError);
  expect((await repository.getKnownError(knownError.id))?.articleId).toBeUndefined();
  expect(await outboxEffects()).toEqual([]);
  // A draft may hold it (not published); publishing it is refused.
  const draft = await createArticle(deps(), engineer, { title: 'Keys', body: 'Use AKIAIOSFODNN7EXAMPLE' });
  await expect(updateArticle(deps(), engineer, draft.id, { state: 'published' }, draft.version)).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'body' })] });
  expect(await outboxEffects()).toEqual([]);
});

test('requesters neither read nor find internal articles; articles stored without an audience read as client', async () => {
  const internal = await createArticle(deps(), engineer, { title: 'Wombat internal runbook', body: 'x', state: 'published', audience: 'internal', tags: ['wombat'] });
  const client = await createArticle(deps(), engineer, { title: 'Wombat client guide', body: 'x', state: 'published', tags: ['wombat'] });
  expect(client.audience).toBe('client');
  await expect(getArticle(deps(), requester, internal.id)).rejects.toMatchObject({ kind: 'not-found' });
  expect((await getArticle(deps(), requester, client.id)).id).toBe(client.id);
  expect((await searchArticles(deps(), requester, { tag: 'wombat', limit: 10 })).items.map((a) => a.id)).toEqual([client.id]);
  expect((await searchArticles(deps(), engineer, { tag: 'wombat', limit: 10 })).items.map((a) => a.id).sort()).toEqual([internal.id, client.id].sort());
  // Neither internal nor client articles change the public site: internal ones store no effect.
  expect((await outboxEffects()).map((e) => e.effectId)).toEqual([`${client.id}#v1#publish-site`]);
});

test('with a bundle: every rebuild keeps one zip of the whole site, the same files as the site and nothing internal; unchanged, it is not rewritten', async () => {
  await createArticle(deps(), engineer, { title: 'Printer jams', body: 'Open tray 2 and remove the paper.', tags: ['printing'], state: 'published', audience: 'public' });
  await createArticle(deps(), engineer, { title: 'Core switch', body: 'INTERNAL-ONLY console on port 7', tags: ['network'], state: 'published', audience: 'internal' });
  await createArticle(deps(), engineer, { title: 'VPN for staff', body: 'CLIENT-ONLY steps', tags: ['vpn'], state: 'published', audience: 'client' });
  await publishSite({ ...publisher(), bundle: true });

  const zip = readFileSync(join(siteDir, BUNDLE_PATH));
  const entries = unzipSync(zip);
  const sitePaths = readdirSync(siteDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(siteDir.length + 1))
    .filter((path) => path !== '_manifest.json' && !path.startsWith('_bundle/'))
    .sort();
  expect(Object.keys(entries).sort()).toEqual(sitePaths);
  expect(sitePaths).toEqual(expect.arrayContaining(['index.html', 'search-index.json', 'feed.json', 'atom.xml', 'sitemap.xml']));
  for (const path of sitePaths) expect(Buffer.from(entries[path]!).equals(readFileSync(join(siteDir, path)))).toBe(true);
  const text = Object.values(entries).map((bytes) => Buffer.from(bytes).toString('utf8')).join('\n');
  expect(text).toContain('Open tray 2');
  expect(text).not.toMatch(/INTERNAL-ONLY|CLIENT-ONLY/);

  // The same published set: the same bytes, not written again.
  const written = statSync(join(siteDir, BUNDLE_PATH)).mtimeMs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  await publishSite({ ...publisher(), bundle: true });
  expect(statSync(join(siteDir, BUNDLE_PATH)).mtimeMs).toBe(written);
});
