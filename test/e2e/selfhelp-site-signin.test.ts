import { randomUUID } from 'node:crypto';
import { chromium as playwright, type Browser } from 'playwright-core';
import { call, createServices, effectsDelivered, RUNTIME_HOOK_TIMEOUT, startRuntimeProcess, type RuntimeProcess } from '../support/local-runtime-process';
import { sparticuzChromium } from '../support/headless-chromium';

/**
 * A self-help site behind the client's sign-in, as `npm start` serves it for a client configured
 * that way (acme-us: selfHelp.site.access "client"), in a real headless Chromium: an unsigned
 * visitor gets the sign-in page (403, as CloudFront answers), signs in through the local token
 * issuer's hosted-UI stand-in, reads a client article, and signs out; a signed-in user outside the
 * reader groups is refused. The local runtime checks the CloudFront signed cookies against the
 * key group's (local) public key, and the sign-in is the same route code the stack deploys.
 */
const marker = randomUUID().slice(0, 8);
let runtime: RuntimeProcess;
let browser: Browser;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { ITSM_CLIENT: 'acme-us' } });
  const { path, args } = sparticuzChromium();
  browser = await playwright.launch({ executablePath: path, args, headless: true });
}, RUNTIME_HOOK_TIMEOUT);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
}, RUNTIME_HOOK_TIMEOUT);

test('an unsigned visitor gets the sign-in page, signs in, reads a client article, and signs out', async () => {
  await createServices(runtime, ['web-shop']);
  const engineer = await runtime.token('engineer', 'e2e-signin');
  const created = await call(runtime.url, 'POST', '/knowledge', {
    token: engineer,
    body: { title: `Reset your VPN token ${marker}`, body: `Client-only steps ${marker}.`, state: 'published', audience: 'client', service: 'web-shop' },
  });
  expect(created.status).toBe(201);
  const articleId = created.body.id as string;
  await effectsDelivered(runtime.url);

  // Without the cookies: 403 and the sign-in page, on any page of the site; nothing of the article.
  const context = await browser.newContext();
  const page = await context.newPage();
  const refused = await page.goto(`${runtime.url}/help/articles/${articleId}.html`);
  expect(refused!.status()).toBe(403);
  expect(await page.locator('h1').textContent()).toBe('Sign in to the help site');
  expect(await page.content()).not.toContain(marker);

  // Sign in: the hosted UI's stand-in, back through /auth/callback with the signed cookies, to the home page.
  await page.click('#sign-in');
  await page.waitForURL(/\/_local\/cognito\/oauth2\/authorize\?/);
  await page.fill('#username', 'carol');
  await page.selectOption('#role', 'requester');
  await page.click('button[type=submit]');
  await page.waitForURL(`${runtime.url}/help/`);
  const cookies = await context.cookies();
  const signed = cookies.filter((c) => c.name.startsWith('CloudFront-'));
  expect(signed.map((c) => c.name).sort()).toEqual(['CloudFront-Hash-Algorithm', 'CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
  for (const c of signed) expect({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path }).toEqual({ name: c.name, httpOnly: true, sameSite: 'Lax', path: '/help/' });
  expect(cookies.some((c) => c.name === 'itsm-site-sign-in')).toBe(false);

  // The client article is on the site now, and readable.
  const article = await page.goto(`${runtime.url}/help/articles/${articleId}.html`);
  expect(article!.status()).toBe(200);
  expect(await page.locator('h1').textContent()).toBe(`Reset your VPN token ${marker}`);

  // A forged policy (a later expiry, the same signature) is refused.
  const policy = signed.find((c) => c.name === 'CloudFront-Policy')!;
  const forged = Buffer.from(JSON.stringify({ Statement: [{ Resource: `${runtime.url}/help/*`, Condition: { DateLessThan: { 'AWS:EpochTime': 4_000_000_000 } } }] }))
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/=/g, '_')
    .replace(/\//g, '~');
  await context.addCookies([{ ...policy, value: forged }]);
  expect((await page.goto(`${runtime.url}/help/`))!.status()).toBe(403);
  await context.addCookies([policy]);
  expect((await page.goto(`${runtime.url}/help/`))!.status()).toBe(200);

  // Sign out: the cookies go, the hosted UI's sign-out returns to the site, which asks to sign in again.
  await page.goto(`${runtime.url}/help/auth/sign-out`);
  await page.waitForURL(`${runtime.url}/help/`);
  expect(await page.locator('h1').textContent()).toBe('Sign in to the help site');
  expect((await context.cookies()).filter((c) => c.name.startsWith('CloudFront-'))).toEqual([]);
  // Left open: this Chromium (single-process) ends when its last context closes.
});

test('a signed-in user outside the reader groups gets no cookies; a callback without the browser\'s own state is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${runtime.url}/help/`);
  await page.click('#sign-in');
  await page.waitForURL(/\/_local\/cognito\/oauth2\/authorize\?/);
  await page.fill('#username', 'dave');
  await page.selectOption('#role', 'agent');
  const callback = page.waitForResponse((r) => r.url().includes('/help/auth/callback'));
  await page.click('button[type=submit]');
  expect((await callback).status()).toBe(403);
  expect((await context.cookies()).filter((c) => c.name.startsWith('CloudFront-'))).toEqual([]);

  const forged = await fetch(`${runtime.url}/help/auth/callback?code=anything&state=someone-elses`, { redirect: 'manual' });
  expect(forged.status).toBe(400);
  expect(((await forged.json()) as { errors: unknown }).errors).toEqual([expect.objectContaining({ field: 'state' })]);
});
