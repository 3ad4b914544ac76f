import { knowledgeFieldsOf, knowledgeSysIdOf, pushArticle } from '../../src/modules/servicenow/app';

/**
 * What an article sends to the client's ServiceNow knowledge base (kb_knowledge): only what the
 * self-help site shows, for the readers of that knowledge base, and nothing the secret detector flags.
 */
const KB = { knowledgeBase: 'a7e8a78bff0221009b20ffffffffff17', category: 'c1a2b3c4d5e6f708192a3b4c5d6e7f80', access: 'client' as const };
const article = (overrides: Record<string, unknown> = {}) => ({
  id: '5b0f3c2e-0d7a-4a59-9d9e-1f2a3b4c5d6e',
  title: 'Reset your token',
  body: 'Press *Reset* <now>',
  tags: ['vpn'],
  state: 'published',
  audience: 'client',
  updatedAt: '2026-12-07T06:00:00.000Z',
  version: 3,
  ...overrides,
});
// Built from parts so this file itself holds no credential.
const AWS_KEY_ID = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');

test('a client article for a client knowledge base: title, escaped HTML body, tags as keywords, the base and category, published', () => {
  expect(knowledgeFieldsOf(article(), KB)).toEqual({
    short_description: 'Reset your token',
    text: '<p>Press <em>Reset</em> &lt;now&gt;</p>',
    meta: 'vpn',
    kb_knowledge_base: KB.knowledgeBase,
    kb_category: KB.category,
    workflow_state: 'published',
  });
});

test('nothing for internal articles, drafts, archived ones, client articles on a public knowledge base, or text holding a secret', () => {
  expect(knowledgeFieldsOf(article({ audience: 'internal' }), KB)).toBeUndefined();
  expect(knowledgeFieldsOf(article({ state: 'draft' }), KB)).toBeUndefined();
  expect(knowledgeFieldsOf(article({ state: 'archived' }), KB)).toBeUndefined();
  expect(knowledgeFieldsOf(article(), { ...KB, access: 'public' })).toBeUndefined();
  expect(knowledgeFieldsOf(article({ audience: 'public' }), { ...KB, access: 'public' })).toMatchObject({ workflow_state: 'published' });
  expect(knowledgeFieldsOf(article({ body: `Use the key ${AWS_KEY_ID} to sign in` }), KB)).toBeUndefined();
  expect(knowledgeFieldsOf(undefined, KB)).toBeUndefined();
});

test("the record's sys_id is the same for the same article (a lost create is found again), 32 hex digits, different per article", () => {
  expect(knowledgeSysIdOf('a')).toBe(knowledgeSysIdOf('a'));
  expect(knowledgeSysIdOf('a')).toMatch(/^[0-9a-f]{32}$/);
  expect(knowledgeSysIdOf('a')).not.toBe(knowledgeSysIdOf('b'));
});

/** In-memory stand-ins at the app's ports: the record there and the sync state here. */
function mirror(stored: ReturnType<typeof article>) {
  const records = new Map<string, Record<string, string>>();
  const states = new Map<string, any>();
  const withheld: { articleId: string; fields: readonly string[] }[] = [];
  const unused = () => Promise.reject(new Error('not used by the knowledge mirror'));
  const deps = {
    knowledge: KB,
    articles: { get: async () => stored },
    clock: { now: () => new Date('2026-12-07T07:00:00.000Z') },
    ids: { newId: () => 'holder-1' },
    onWithheld: (w: { articleId: string; fields: readonly string[] }) => withheld.push(w),
    table: {
      get: async (_table: string, sysId: string) => records.get(sysId),
      create: async (_table: string, fields: Record<string, string>) => (records.set(fields['sys_id']!, { ...fields }), records.get(fields['sys_id']!)!),
      update: async (_table: string, sysId: string, fields: Record<string, string>) => (records.set(sysId, { ...records.get(sysId)!, ...fields }), records.get(sysId)!),
      findByCorrelation: unused,
      journalSince: unused,
      list: unused,
      updatedSince: unused,
    },
    store: {
      acquire: async () => true,
      release: async () => 'released' as const,
      get: async (id: string) => states.get(id),
      put: async (state: any) => void states.set(state.incidentId, state),
      incidentOf: async () => undefined,
      link: async () => undefined,
      watermark: unused,
      setWatermark: unused,
    },
  };
  return { deps: deps as unknown as Parameters<typeof pushArticle>[0], records, withheld };
}

test('an article its readers may see but the secret detector flags is withheld, and said so (never silent); a clean one is not', async () => {
  const flagged = mirror(article({ body: `Use the key ${AWS_KEY_ID} to sign in` }));
  await pushArticle(flagged.deps, article().id, 3);
  expect(flagged.records.size).toBe(0);
  expect(flagged.withheld).toEqual([{ articleId: article().id, fields: ['body'] }]);

  const clean = mirror(article());
  await pushArticle(clean.deps, article().id, 3);
  expect([...clean.records.values()].map((r) => r['workflow_state'])).toEqual(['published']);
  expect(clean.withheld).toEqual([]);
  // Not for these readers at all (internal): nothing sent, and nothing to say.
  const internal = mirror(article({ audience: 'internal' }));
  await pushArticle(internal.deps, article().id, 3);
  expect([internal.records.size, internal.withheld.length]).toEqual([0, 0]);
});
