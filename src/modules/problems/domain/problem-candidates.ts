import { tokenize } from './kedb-search';

/**
 * Finding problems early, from the incidents of a window: trends (incidents on the same service,
 * category or alarm at or above a threshold, not yet linked to a problem) and likely duplicates
 * (short descriptions whose significant words overlap: Jaccard similarity ≥ 0.6). Pure: no I/O.
 * Incidents carry no configuration item, so there is no CI trend until they do.
 */

export interface TrendIncident {
  readonly id: string;
  readonly number: string;
  readonly shortDescription: string;
  readonly service: string;
  readonly category: string;
  readonly alarmArn?: string | undefined;
  readonly createdAt: string;
}

export const TREND_DIMENSIONS = ['service', 'category', 'alarm'] as const;
export type TrendDimension = (typeof TREND_DIMENSIONS)[number];

export interface IncidentRef {
  readonly id: string;
  readonly number: string;
}

export interface ProblemCandidate {
  readonly dimension: TrendDimension;
  readonly value: string;
  readonly count: number;
  readonly incidents: readonly IncidentRef[];
}

export interface DuplicatePair {
  readonly incidents: readonly [IncidentRef, IncidentRef];
  readonly similarity: number;
}

export const DUPLICATE_SIMILARITY = 0.6;

function dimensionValue(incident: TrendIncident, dimension: TrendDimension): string | undefined {
  if (dimension === 'service') return incident.service;
  if (dimension === 'category') return incident.category;
  return incident.alarmArn;
}

/**
 * The incidents of each service, category and alarm; the groups of at least `threshold` incidents.
 * Callers pass the incidents not yet linked to a problem (linked ones have a problem already).
 */
export function trendGroups(incidents: readonly TrendIncident[], threshold: number): ProblemCandidate[] {
  const candidates: ProblemCandidate[] = [];
  for (const dimension of TREND_DIMENSIONS) {
    const groups = new Map<string, TrendIncident[]>();
    for (const incident of incidents) {
      const value = dimensionValue(incident, dimension);
      if (value === undefined) continue;
      const members = groups.get(value);
      if (members) members.push(incident);
      else groups.set(value, [incident]);
    }
    for (const [value, members] of groups) {
      if (members.length < threshold) continue;
      candidates.push({ dimension, value, count: members.length, incidents: members.map(ref) });
    }
  }
  return candidates.sort(
    (a, b) => b.count - a.count || TREND_DIMENSIONS.indexOf(a.dimension) - TREND_DIMENSIONS.indexOf(b.dimension) || a.value.localeCompare(b.value),
  );
}

/** |A ∩ B| / |A ∪ B|; two empty sets are not similar (0). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The significant words of a text: the search's tokenizer (stop words dropped, plurals folded). */
export const significantWords = (text: string): Set<string> => new Set(tokenize(text));

/**
 * Pairs of incidents whose short descriptions have Jaccard similarity ≥ `minSimilarity`, most
 * similar first. Not every pair is compared: with words ordered rarest first, two sets that reach
 * the threshold must share a word among each one's first |A| − ⌈t·|A|⌉ + 1 words (prefix
 * filtering), so only pairs sharing such a word are compared — near-linear for 5,000 incidents.
 */
export function likelyDuplicates(incidents: readonly TrendIncident[], minSimilarity = DUPLICATE_SIMILARITY): DuplicatePair[] {
  const words = incidents.map((i) => significantWords(i.shortDescription));
  const frequency = new Map<string, number>();
  for (const set of words) for (const w of set) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const byRarity = (a: string, b: string) => frequency.get(a)! - frequency.get(b)! || a.localeCompare(b);
  const prefixIndex = new Map<string, number[]>();
  const pairs: DuplicatePair[] = [];
  const compared = new Set<string>();
  words.forEach((set, i) => {
    if (set.size === 0) return;
    const ordered = [...set].sort(byRarity);
    const prefix = ordered.slice(0, ordered.length - Math.ceil(minSimilarity * ordered.length) + 1);
    for (const word of prefix) {
      for (const j of prefixIndex.get(word) ?? []) {
        const key = `${j}|${i}`;
        if (compared.has(key)) continue;
        compared.add(key);
        const similarity = jaccard(words[j]!, set);
        if (similarity >= minSimilarity) pairs.push({ incidents: [ref(incidents[j]!), ref(incidents[i]!)], similarity: Math.round(similarity * 100) / 100 });
      }
      const seen = prefixIndex.get(word);
      if (seen) seen.push(i);
      else prefixIndex.set(word, [i]);
    }
  });
  return pairs.sort((a, b) => b.similarity - a.similarity || a.incidents[0].number.localeCompare(b.incidents[0].number) || a.incidents[1].number.localeCompare(b.incidents[1].number));
}

const ref = (incident: TrendIncident): IncidentRef => ({ id: incident.id, number: incident.number });
