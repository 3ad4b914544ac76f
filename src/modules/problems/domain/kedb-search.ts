/**
 * Search terms for the known-error database and knowledge articles, and how matches are ranked.
 *
 * Why not full-text: DynamoDB has none, and an OpenSearch domain per client stack would cost more
 * than the rest of the stack for a few thousand records. Instead each record writes one index item
 * per term (significant word of its title and symptoms, its service, category and tags), so a
 * search is one Query per query term on the `bySearchTerm` index; the use case adds up the hits
 * and ranks them here. No Scan, cost proportional to the query's terms, not to the database.
 */

const STOP_WORDS = new Set(
  ('a an and are as at be been but by can cannot could did do does for from had has have how i if in into is it its ' +
    'may no not of on or our since so than that the their them then there these they this to too up us was we were what ' +
    'when where which while who why will with you your all any after before out over under again very just only also').split(' '),
);

/** At most this many terms per record (index items written with it) and per query (Queries run). */
export const MAX_RECORD_TERMS = 40;
export const MAX_QUERY_TERMS = 12;

/** Lowercase words of 3–30 letters or digits, stop words dropped, naive plural `s` folded, first occurrence order. */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(/[a-z0-9]+/g) ?? [];
  const terms: string[] = [];
  for (const word of words) {
    if (word.length < 3 || word.length > 30 || STOP_WORDS.has(word)) continue;
    const term = word.length > 4 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
    if (!terms.includes(term)) terms.push(term);
  }
  return terms;
}

/** Structured terms: matched exactly, weighted above words. */
export const serviceTerm = (service: string) => `svc:${service}`;
export const categoryTerm = (category: string) => `cat:${category.toLowerCase()}`;
export const tagTerm = (tag: string) => `tag:${tag.toLowerCase()}`;

/** Every term a record is found by: service, category and tags first (never cut), then words. */
export function recordTerms(record: {
  readonly texts: readonly string[];
  readonly services?: readonly string[] | undefined;
  readonly category?: string | undefined;
  readonly tags?: readonly string[] | undefined;
}): string[] {
  const structured = [
    ...(record.services ?? []).map(serviceTerm),
    ...(record.category ? [categoryTerm(record.category)] : []),
    ...(record.tags ?? []).map(tagTerm),
  ];
  const words = tokenize(record.texts.join(' '));
  return [...new Set([...structured, ...words])].slice(0, MAX_RECORD_TERMS);
}

export const TERM_WEIGHTS = { service: 3, category: 2, tag: 2, word: 1 } as const;

export function termWeight(term: string): number {
  if (term.startsWith('svc:')) return TERM_WEIGHTS.service;
  if (term.startsWith('cat:')) return TERM_WEIGHTS.category;
  if (term.startsWith('tag:')) return TERM_WEIGHTS.tag;
  return TERM_WEIGHTS.word;
}

export interface TermHit {
  readonly term: string;
  readonly id: string;
}

export interface RankedMatch {
  readonly id: string;
  readonly score: number;
  readonly matched: readonly string[];
}

/**
 * Ranks records by the weighted sum of the distinct query terms they match; a record must match
 * at least one word or tag when the query has words (a shared service alone is not a match);
 * ties go to the record matching more terms, then to the id (stable order).
 */
export function rank(queryTerms: readonly string[], hits: readonly TermHit[], limit: number): RankedMatch[] {
  const wanted = new Set(queryTerms);
  const hasWords = queryTerms.some((t) => !t.startsWith('svc:') && !t.startsWith('cat:'));
  const byId = new Map<string, Set<string>>();
  for (const hit of hits) {
    if (!wanted.has(hit.term)) continue;
    const terms = byId.get(hit.id) ?? new Set<string>();
    terms.add(hit.term);
    byId.set(hit.id, terms);
  }
  const matches: RankedMatch[] = [];
  for (const [id, terms] of byId) {
    const matched = [...terms].sort();
    if (hasWords && !matched.some((t) => !t.startsWith('svc:') && !t.startsWith('cat:'))) continue;
    matches.push({ id, score: matched.reduce((sum, t) => sum + termWeight(t), 0), matched });
  }
  return matches
    .sort((a, b) => b.score - a.score || b.matched.length - a.matched.length || a.id.localeCompare(b.id))
    .slice(0, limit);
}
