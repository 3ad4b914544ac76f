import { MAX_RECORD_TERMS, rank, recordTerms, tokenize } from '../../src/modules/problems/domain/kedb-search';

test('tokenize: lowercase significant words, stop words and short words dropped, plurals folded, each once', () => {
  expect(tokenize('The VPN client cannot connect; VPN clients time out!')).toEqual(['vpn', 'client', 'connect', 'time']);
  expect(tokenize('Café  résumé  printers')).toEqual(['cafe', 'resume', 'printer']);
  expect(tokenize('a an of to')).toEqual([]);
  expect(tokenize('address class')).toEqual(['address', 'class']);
});

test('record terms: service, category and tags first, then words, capped', () => {
  const terms = recordTerms({ texts: ['Outlook disconnected', 'Mail stuck in outbox'], services: ['email'], category: 'Software', tags: ['Exchange'] });
  expect(terms.slice(0, 3)).toEqual(['svc:email', 'cat:software', 'tag:exchange']);
  expect(terms).toEqual(expect.arrayContaining(['outlook', 'disconnected', 'mail', 'stuck', 'outbox']));
  const many = recordTerms({ texts: [Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ')], services: ['email'] });
  expect(many).toHaveLength(MAX_RECORD_TERMS);
  expect(many[0]).toBe('svc:email');
});

test('rank: weighted by term kind, more matched terms first, then by id; a service alone is no match when words are asked', () => {
  const query = ['svc:email', 'cat:software', 'outlook', 'disconnected'];
  const hits = [
    { term: 'svc:email', id: 'a' },
    { term: 'outlook', id: 'a' },
    { term: 'disconnected', id: 'a' },
    { term: 'outlook', id: 'b' },
    { term: 'disconnected', id: 'b' },
    { term: 'svc:email', id: 'c' },
    { term: 'cat:software', id: 'c' },
    { term: 'outlook', id: 'd' },
    { term: 'unrelated', id: 'e' },
  ];
  const ranked = rank(query, hits, 10);
  expect(ranked.map((m) => [m.id, m.score])).toEqual([
    ['a', 5],
    ['b', 2],
    ['d', 1],
  ]);
  expect(ranked[0]!.matched).toEqual(['disconnected', 'outlook', 'svc:email']);
  expect(rank(query, hits, 1)).toHaveLength(1);
  // Service and category only: they rank on their own.
  expect(rank(['svc:email', 'cat:software'], hits, 10).map((m) => m.id)).toEqual(['c', 'a']);
});
