import { knowledgeFieldsOf, knowledgeSysIdOf } from '../../src/modules/servicenow/app';

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
