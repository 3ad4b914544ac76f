import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import axe from 'axe-core';
import { unzipSync } from 'fflate';
import { call, effectsDelivered, RUNTIME_HOOK_TIMEOUT, sharedRuntime, type RuntimeProcess } from '../support/local-runtime-process';
import { sparticuzChromium } from '../support/headless-chromium';

/**
 * The example client's self-help site, as `npm start` serves it at /help/, in a real headless
 * Chromium (the one inside @sparticuz/chromium, driven by playwright-core; offline): a known
 * error's workaround published from the known error is found by a word of its symptoms, a tag
 * leads to it, no internal text is on any page, axe-core finds nothing serious or critical, and
 * the home page's screenshot is kept in test-artifacts/.
 */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts');
const marker = randomUUID().slice(0, 8);
const symptomWord = `zorbulated${marker}`;
const tag = `checkout-${marker}`;
const internalRootCause = `INTERNALROOT${marker}`;
const internalArticle = `INTERNALARTICLE${marker}`;

let runtime: RuntimeProcess;
let browser: Browser;
let engineer: string;

beforeAll(async () => {
  runtime = await sharedRuntime();
  engineer = await runtime.token('engineer', 'e2e-selfhelp');
  const { path, args } = sparticuzChromium();
  // One browser for the file.
  browser = await playwright.launch({ executablePath: path, args, headless: true });
}, RUNTIME_HOOK_TIMEOUT);
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  // The page's globals (no DOM types in this project: the test runs in Node, the callbacks in the page).
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self', rightly) does not block as it would a script tag.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axe.source);
  const results = await page.evaluate(async () => {
    const inPage = globalThis as unknown as { axe: typeof axe; document: unknown };
    return inPage.axe.run(inPage.document as never, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
  });
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const siteFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? siteFiles(join(dir, entry.name)) : [join(dir, entry.name)]));

test('a known error published from the known error is found by its symptoms and its tag; nothing internal shows; axe finds nothing serious', async () => {
  // A secret in a workaround is refused before anything is published, naming the field.
  const leaky = await call(runtime.url, 'POST', '/known-errors', {
    token: engineer,
    body: { title: `Leaky ${marker}`, symptoms: 'Login fails', rootCause: 'Expired key', workaround: 'Use AKIAIOSFODNN7EXAMPLE to sign in', services: ['web-shop'] },
  });
  expect(leaky.status).toBe(201);
  const refused = await call(runtime.url, 'POST', `/known-errors/${leaky.body.id}/article`, { token: engineer, body: { audience: 'public' } });
  expect({ status: refused.status, fields: refused.body?.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['workaround'] });

  const created = await call(runtime.url, 'POST', '/known-errors', {
    token: engineer,
    body: {
      title: `Checkout spinner never stops ${marker}`,
      symptoms: `The basket page shows a ${symptomWord} spinner after Pay is pressed`,
      rootCause: `${internalRootCause}: the payment connection pool leaks`,
      workaround: 'Clear the browser cookies for the shop, then press Pay again.',
      services: ['web-shop'],
      tags: [tag],
    },
  });
  expect(created.status).toBe(201);
  const knownErrorId = created.body.id as string;
  // An internal article, published: it must never reach the site.
  const internal = await call(runtime.url, 'POST', '/knowledge', {
    token: engineer,
    body: { title: `Runbook ${internalArticle}`, body: `Restart the pool ${internalArticle}`, state: 'published', audience: 'internal', service: 'web-shop', tags: [tag] },
  });
  expect(internal.status).toBe(201);

  const published = await call(runtime.url, 'POST', `/known-errors/${knownErrorId}/article`, { token: engineer, body: { audience: 'public' } });
  expect({ status: published.status, audience: published.body?.audience, knownErrorId: published.body?.knownErrorId }).toEqual({ status: 201, audience: 'public', knownErrorId });
  const articleId = published.body.id as string;
  expect((await call(runtime.url, 'GET', `/known-errors/${knownErrorId}`, { token: engineer })).body.articleId).toBe(articleId);
  await effectsDelivered(runtime.url);

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const violations: Record<string, string[]> = {};
  const texts: string[] = [];
  const visit = async (what: string) => {
    texts.push(await page.content());
    violations[what] = await seriousViolations(page);
  };

  await page.goto(`${runtime.url}/help/`);
  expect(await page.locator('h1').textContent()).toBe('example help');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'selfhelp-home.png'), fullPage: true });
  await visit('home');
  // Keyboard: the first Tab lands on the skip link.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe('Skip to content');

  // Search by a word of the symptoms (typed, submitted with Enter), then land on the article.
  await page.fill('#q', symptomWord);
  await page.press('#q', 'Enter');
  await page.waitForURL(/search\.html\?q=/);
  const result = page.locator('#results a', { hasText: `Checkout spinner never stops ${marker}` });
  await result.waitFor();
  await visit('search');
  // The article page's view beacon: through the site's own address (the CSP allows no other), to the API.
  const beacon = page.waitForResponse((r) => r.url().endsWith(`/help/knowledge/${articleId}/views`) && r.request().method() === 'POST');
  await result.click();
  expect((await beacon).status()).toBe(204);
  await page.waitForURL(new RegExp(`articles/${articleId}\\.html$`));
  expect(await page.locator('h1').textContent()).toBe(`Checkout spinner never stops ${marker}`);
  expect(await page.locator('main').textContent()).toContain('Clear the browser cookies for the shop');
  await visit('article');

  // Follow its tag: the tag page lists it (and not the internal article with the same tag).
  await page.locator('main a', { hasText: tag }).click();
  await page.waitForURL(new RegExp(`tags/${tag}\\.html$`));
  expect(await page.locator('h1').textContent()).toBe(`Topic: ${tag}`);
  expect(await page.locator('main a', { hasText: `Checkout spinner never stops ${marker}` }).count()).toBe(1);
  await visit('tag');

  await page.goto(`${runtime.url}/help/services/web-shop.html`);
  await visit('service');

  // Nothing internal on the pages seen, nor in any file of the site.
  const files = siteFiles(join(runtime.localDir, 'help')).map((f) => readFileSync(f, 'utf8'));
  for (const text of [...texts, ...files]) {
    expect(text).not.toContain(internalRootCause);
    expect(text).not.toContain(internalArticle);
  }
  expect(violations).toEqual({ home: [], search: [], article: [], tag: [], service: [] });

  // The page's view counted as a read (reads feed the stale-article retirement), beside this read's own.
  const read = await call(runtime.url, 'GET', `/knowledge/${articleId}`, { token: engineer });
  expect(read.body.views).toBeGreaterThanOrEqual(2);
  // The beacon counts published public articles only: the internal article is 404, as absent.
  const internalView = await call(runtime.url, 'POST', `/help/knowledge/${internal.body.id}/views`, {});
  expect(internalView.status).toBe(404);

  // The workaround changes on the known error: the article and its page follow.
  const current = await call(runtime.url, 'GET', `/known-errors/${knownErrorId}`, { token: engineer });
  const changed = await call(runtime.url, 'PATCH', `/known-errors/${knownErrorId}`, {
    token: engineer,
    headers: { 'If-Match': current.headers.get('etag')! },
    body: { workaround: 'Use the shop app instead until the fix ships.' },
  });
  expect(changed.status).toBe(200);
  await effectsDelivered(runtime.url);
  await page.goto(`${runtime.url}/help/articles/${articleId}.html`);
  expect(await page.locator('main').textContent()).toContain('Use the shop app instead until the fix ships.');
  await page.close();
});

test('the downloadable bundle: knowledge managers get a short-lived link to one zip of the site (what it shows, nothing internal); requesters do not; the site does not serve it', async () => {
  await effectsDelivered(runtime.url);
  const requester = await runtime.token('requester', 'e2e-bundle-requester');
  expect((await call(runtime.url, 'GET', '/knowledge/site-bundle', { token: requester })).status).toBe(403);
  const answer = await call(runtime.url, 'GET', '/knowledge/site-bundle', { token: engineer });
  expect(answer.status).toBe(200);
  expect(Date.parse(answer.body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
  const download = await fetch(answer.body.url);
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toBe('application/zip');
  const entries = unzipSync(new Uint8Array(await download.arrayBuffer()));
  expect(Object.keys(entries)).toEqual(expect.arrayContaining(['index.html', 'search.html', 'search-index.json', 'feed.json', 'atom.xml', 'sitemap.xml']));
  const text = Object.values(entries).map((bytes) => Buffer.from(bytes).toString('utf8')).join('\n');
  // The known error's workaround published by the first test is in it; its root cause and the internal article are not.
  expect(text).toContain(symptomWord);
  expect(text).not.toContain(internalRootCause);
  expect(text).not.toContain(internalArticle);
  expect(Object.keys(entries).some((path) => path.startsWith('_'))).toBe(false);
  // Like the distribution (denied _bundle/*), the site's own address does not serve it.
  expect((await fetch(`${runtime.url}/help/_bundle/site.zip`)).status).toBe(404);
});

test("a service's status on the site follows its major incident: declared, it shows; resolved, it goes", async () => {
  // payroll: no other e2e test declares a major incident on it (the runtime is shared).
  const owner = await runtime.token('service-owner', 'olga');
  const servicePage = () => readFileSync(join(runtime.localDir, 'help/services/payroll.html'), 'utf8');
  const created = await call(runtime.url, 'POST', '/incidents', {
    token: engineer,
    body: { shortDescription: `Payroll run stuck ${marker}`, description: 'The monthly run does not finish', service: 'payroll', category: 'application', impact: 1, urgency: 1 },
  });
  expect(created.status).toBe(201);
  const path = `/incidents/${created.body.id}`;
  const major = await call(runtime.url, 'PATCH', path, { token: owner, body: { major: true, majorReason: `Payroll down ${marker}` }, headers: { 'If-Match': `"${created.body.version}"` } });
  expect(major.status).toBe(200);
  await effectsDelivered(runtime.url);
  expect(servicePage()).toContain('Major incident in progress');
  // Never the incident's own text.
  expect(servicePage()).not.toContain(marker);

  const working = await call(runtime.url, 'PATCH', path, { token: engineer, body: { state: 'In Progress' }, headers: { 'If-Match': `"${major.body.version}"` } });
  expect(working.status).toBe(200);
  const resolved = await call(runtime.url, 'PATCH', path, {
    token: engineer,
    body: { state: 'Resolved', resolutionCode: 'Solved (permanently)', resolutionNotes: 'Restarted the payroll batch' },
    headers: { 'If-Match': `"${working.body.version}"` },
  });
  expect(resolved.status).toBe(200);
  await effectsDelivered(runtime.url);
  expect(servicePage()).toContain('Operating normally');
});
