/**
 * The self-help site over 5,000 seeded published articles (20 services, 200 tags): the time to
 * generate it (the pure generator), to publish it into a folder the first time and again after one
 * article changed (content hashes skip the rest), and the page weights (HTML + stylesheet, and the
 * script on the search page) before the search index, whose size is given apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSite, pageWeights, byteLength, type SiteArticle } from '../src/modules/selfhelp/domain';
import { publishSite } from '../src/modules/selfhelp/app';
import { FolderSiteStore } from '../src/modules/selfhelp/adapters';

const WORDS = 'account access backup browser calendar certificate client connection database disk email error export file firewall folder install laptop licence login mailbox meeting network password permission printer proxy quota restart router screen server session share signature slow software storage sync ticket timeout token update upload vpn wifi'.split(' ');

export interface SelfHelpSiteFigures {
  readonly articles: number;
  readonly generateMs: { readonly p50: number; readonly max: number; readonly runs: number };
  readonly firstPublishMs: number;
  readonly republishOneChangedMs: number;
  readonly filesWrittenAfterOneChange: number;
  readonly files: number;
  readonly pageWeightBytes: Readonly<Record<string, { readonly p50: number; readonly max: number; readonly pages: number }>>;
  readonly searchIndexBytes: number;
}

export function seededArticles(count: number, seed = 1): SiteArticle[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = () => WORDS[Math.floor(random() * WORDS.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    title: `${sentence(4)} ${i}`,
    body: `## Symptoms\n\n${sentence(40)}.\n\n## Workaround\n\n- ${sentence(12)}\n- ${sentence(12)}\n- ${sentence(12)}\n\n${sentence(120)}.`,
    service: `service-${i % 20}`,
    tags: [`tag-${i % 200}`, `tag-${(i * 7) % 200}`, pick()],
    state: 'published',
    audience: i % 10 === 0 ? 'internal' : 'public',
    publishedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  }));
}

const percentile = (values: readonly number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length - 1) * p))]!;

export async function measureSelfHelpSite(count = 5_000, runs = 5): Promise<SelfHelpSiteFigures> {
  const articles = seededArticles(count);
  const services = Array.from({ length: 20 }, (_, i) => ({ id: `service-${i}`, name: `Service ${i}` }));
  const input = { title: 'Bench help', baseUrl: 'https://help.example.com/', access: 'public' as const, articles, services, majorIncidentServices: ['service-3'], desk: { name: 'Desk', email: 'desk@example.com' } };
  const times: number[] = [];
  let site = generateSite(input);
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    site = generateSite(input);
    times.push(performance.now() - started);
  }
  const weights = new Map<string, number[]>();
  for (const [path, weight] of pageWeights(site)) {
    const kind = path.includes('/') ? path.split('/')[0]! : path.replace('.html', '');
    (weights.get(kind) ?? weights.set(kind, []).get(kind)!).push(weight);
  }
  const dir = mkdtempSync(join(tmpdir(), 'itsm-bench-site-'));
  try {
    let current = articles;
    const deps = () => ({
      source: { publishedArticles: async () => current, article: async () => undefined, services: async () => services, openMajorIncidents: async () => [{ id: 'incident-3', service: 'service-3' }], incident: async () => undefined },
      store: new FolderSiteStore(dir),
      settings: { title: input.title, baseUrl: input.baseUrl, access: input.access, desk: input.desk },
      clock: { now: () => new Date() },
    });
    let started = performance.now();
    await publishSite(deps());
    const firstPublishMs = performance.now() - started;
    current = articles.map((a, i) => (i === 42 ? { ...a, body: `${a.body}\n\nUpdated.`, updatedAt: '2027-01-01T00:00:00.000Z' } : a));
    started = performance.now();
    const again = await publishSite(deps());
    const republishOneChangedMs = performance.now() - started;
    return {
      articles: count,
      generateMs: { p50: percentile(times, 0.5), max: Math.max(...times), runs },
      firstPublishMs,
      republishOneChangedMs,
      filesWrittenAfterOneChange: again.written,
      files: site.size,
      pageWeightBytes: Object.fromEntries([...weights].map(([kind, list]) => [kind, { p50: percentile(list, 0.5), max: Math.max(...list), pages: list.length }])),
      searchIndexBytes: byteLength(site.get('search-index.json')!.body),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printSelfHelpSite(f: SelfHelpSiteFigures): void {
  console.log(`  generate ${f.articles} articles (${f.files} files)   p50 ${f.generateMs.p50.toFixed(0)} ms   max ${f.generateMs.max.toFixed(0)} ms (${f.generateMs.runs} runs)`);
  console.log(`  publish into a folder: first ${f.firstPublishMs.toFixed(0)} ms; after one article changed ${f.republishOneChangedMs.toFixed(0)} ms (${f.filesWrittenAfterOneChange} files written)`);
  for (const [kind, w] of Object.entries(f.pageWeightBytes)) {
    console.log(`  page weight ${kind.padEnd(10)} p50 ${(w.p50 / 1024).toFixed(1).padStart(6)} KB   max ${(w.max / 1024).toFixed(1).padStart(6)} KB   (${w.pages} pages)`);
  }
  console.log(`  search index ${(f.searchIndexBytes / 1024).toFixed(0)} KB (loaded by the search page only)`);
}
