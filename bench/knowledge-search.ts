/**
 * Known-error and knowledge search over a seeded database: 5,000 published articles and 1,000
 * known errors (written through the repository with the same terms the use cases write), then
 * `GET /known-errors?q=` and `GET /knowledge?q=` with 3-word queries through the local runtime.
 * Run alone with `npx tsx bench/knowledge-search.ts` (merges its figures into bench/results.json
 * under `knowledgeSearch`); `npm run bench` runs it too.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbProblemRepository } from '../src/modules/problems/adapters/dynamodb-problem-repository';
import { recordTerms } from '../src/modules/problems/domain/kedb-search';
import { newKnowledgeArticle, newKnownError } from '../src/modules/problems/domain/problem';

const ARTICLES = 5000;
const KNOWN_ERRORS = 1000;
const QUERIES = Number(process.env['BENCH_SEARCHES'] ?? 300);

interface Figures { p50: number; p99: number; mean: number; requests: number; concurrency: number }

// A vocabulary of 400 made-up but pronounceable words: titles draw 6 of them, queries 3.
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'si', 'pe', 'do', 'gu', 'ba', 'fi', 'ze', 'ho', 'ly', 'wa', 'xo', 'qu', 'ji'];
const VOCABULARY = Array.from({ length: 400 }, (_, i) => `${SYLLABLES[i % 20]}${SYLLABLES[Math.floor(i / 20) % 20]}${SYLLABLES[(i * 7) % 20]}`);
const SERVICES = Array.from({ length: 20 }, (_, i) => `svc-${i}`);

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const words = (n: number) => Array.from({ length: n }, () => pick(VOCABULARY)).join(' ');

export async function measureKnowledgeSearch(runtime: { url: string; dynamoDbEndpoint: string; tableNames: Readonly<Record<string, string>> }, token: string) {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const table = Object.entries(runtime.tableNames).find(([id]) => id.includes('ProblemsTable'))![1];
  const repository = new DynamoDbProblemRepository(db, table);
  const actor = { id: 'bench', name: 'bench' };
  const at = new Date().toISOString();
  const started = performance.now();
  await inParallel(ARTICLES, 16, async () => {
    const article = newKnowledgeArticle(randomUUID(), { title: words(6), body: '…', service: pick(SERVICES), tags: [pick(VOCABULARY)], state: 'published' }, actor, at);
    await repository.createArticle(article, recordTerms({ texts: [article.title], services: [article.service!], tags: article.tags }));
  });
  await inParallel(KNOWN_ERRORS, 16, async () => {
    const ke = newKnownError(randomUUID(), { title: words(6), symptoms: words(8), rootCause: '…', workaround: '…', services: [pick(SERVICES)], tags: [pick(VOCABULARY)] }, actor, at);
    await repository.putKnownError(ke, recordTerms({ texts: [ke.title, ke.symptoms], services: ke.services, tags: ke.tags }));
  });
  const seedingSeconds = +((performance.now() - started) / 1000).toFixed(1);
  db.destroy();

  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const headers = { Authorization: `Bearer ${token}` };
  const search = (path: string) => async () => {
    const q = encodeURIComponent(words(3));
    const r = await httpGet(agent, `${runtime.url}${path}?q=${q}&limit=10`, headers);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${r.body}`);
    return (JSON.parse(r.body) as { items: unknown[] }).items.length;
  };
  const figures: Record<string, Figures & { meanResults: number }> = {};
  for (const [name, op] of [['GET /known-errors?q= (3 words)', search('/known-errors')], ['GET /knowledge?q= (3 words)', search('/knowledge')]] as const) {
    for (let i = 0; i < 20; i++) await op(); // warm-up
    for (const concurrency of [1, 8]) {
      const samples: number[] = [];
      let results = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < QUERIES) {
            const t = performance.now();
            const found = await op();
            results += found;
            samples.push(performance.now() - t);
          }
        }),
      );
      figures[`${name} c${concurrency}`] = { ...summarize(samples, concurrency), meanResults: +(results / samples.length).toFixed(2) };
    }
  }
  agent.destroy();
  return { seeded: { articles: ARTICLES, knownErrors: KNOWN_ERRORS, vocabulary: VOCABULARY.length, services: SERVICES.length, seedingSeconds }, latency: figures };
}

async function inParallel(count: number, concurrency: number, op: () => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < count) await op(); }));
}

function summarize(samples: number[], concurrency: number): Figures {
  samples.sort((a, b) => a - b);
  const pct = (p: number) => +samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!.toFixed(3);
  return { p50: pct(50), p99: pct(99), mean: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(3), requests: samples.length, concurrency };
}

function httpGet(agent: Agent, url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((done, fail) => {
    const req = request(url, { method: 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function standalone(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { startLocalRuntime } = await import('../local/local-runtime');
  const { issueToken } = await import('../local/local-tokens');
  const localDir = mkdtempSync(join(tmpdir(), 'itsm-bench-kedb-'));
  const runtime = await startLocalRuntime({ port: 0, localDir, inMemory: true });
  try {
    const token = await issueToken(localDir, { roles: ['engineer'], user: 'bench' });
    const result = await measureKnowledgeSearch(runtime, token);
    console.log(`seeded ${result.seeded.articles} articles and ${result.seeded.knownErrors} known errors in ${result.seeded.seedingSeconds} s`);
    for (const [name, f] of Object.entries(result.latency)) console.log(`  ${name.padEnd(36)} p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   (${f.meanResults} results)`);
    const file = resolve(__dirname, 'results.json');
    const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, `${JSON.stringify({ ...existing, knowledgeSearch: { measuredAt: new Date().toISOString(), ...result } }, null, 2)}\n`);
  } finally {
    await runtime.stop();
  }
}

if (require.main === module) {
  standalone().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
