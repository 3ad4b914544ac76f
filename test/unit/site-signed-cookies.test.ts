import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { CloudFrontCookieSigner, verifySignedCookies } from '../../src/modules/selfhelp/adapters';
import { fromCloudFrontBase64 } from '../../src/modules/selfhelp/adapters/cloudfront-cookie-signer';
import { clearedCookieHeaders, signedCookieHeaders } from '../../src/modules/selfhelp/domain';
import { sitePolicy } from '../../src/modules/selfhelp/domain/signed-cookies';
import { sitePublicKeyProblem } from '../../src/config/client-config-schema';

/**
 * The site behind the sign-in: the CloudFront custom policy the sign-in signs, its signature
 * checked with node:crypto against the public key (what CloudFront does with the key group's
 * key), the cookies' attributes, and the local runtime's check of them.
 */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer = new CloudFrontCookieSigner({ privateKeyPem, keyPairId: 'K2JCJMDEHXQW5F' });
const siteUrl = 'https://d111111abcdef8.cloudfront.net/';
const now = 1_800_000_000;

const cookieHeaderOf = (setCookies: readonly string[]) => setCookies.map((c) => c.split(';')[0]).join('; ');

test('the policy covers the whole site until its expiry, as one statement without white space', () => {
  expect(sitePolicy({ siteUrl, expiresAt: now + 3600 })).toBe(
    `{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/*","Condition":{"DateLessThan":{"AWS:EpochTime":${now + 3600}}}}]}`,
  );
  expect(() => sitePolicy({ siteUrl: 'https://d111111abcdef8.cloudfront.net', expiresAt: now })).toThrow(/end in "\/"/);
});

test('the signature is RSA-SHA256 of the policy, verifiable with the public key; both in CloudFront\'s URL-safe base64', () => {
  const cookies = signer.sign({ siteUrl, expiresAt: now + 3600 });
  for (const value of [cookies.policy, cookies.signature]) expect(value).toMatch(/^[A-Za-z0-9~_-]+$/);
  const policy = fromCloudFrontBase64(cookies.policy);
  expect(policy.toString()).toBe(sitePolicy({ siteUrl, expiresAt: now + 3600 }));
  expect(verify('sha256', policy, createPublicKey(publicKeyPem), fromCloudFrontBase64(cookies.signature))).toBe(true);
  // Another key pair's public key does not verify it.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  expect(verify('sha256', policy, other, fromCloudFrontBase64(cookies.signature))).toBe(false);
  expect(cookies.keyPairId).toBe('K2JCJMDEHXQW5F');
});

test('the cookies are Secure, HttpOnly, SameSite=Lax, scoped to the site path, no longer than the policy; sign-out expires all four', () => {
  const headers = signedCookieHeaders(signer.sign({ siteUrl, expiresAt: now + 3600 }), { path: '/', secure: true }, 3600);
  expect(headers.map((h) => h.split('=')[0])).toEqual(['CloudFront-Policy', 'CloudFront-Signature', 'CloudFront-Key-Pair-Id', 'CloudFront-Hash-Algorithm']);
  for (const h of headers) expect(h).toMatch(/; Path=\/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax$/);
  expect(headers[3]).toMatch(/^CloudFront-Hash-Algorithm=SHA256;/);
  const cleared = clearedCookieHeaders({ path: '/help/', secure: false });
  expect(cleared).toHaveLength(4);
  for (const h of cleared) expect(h).toMatch(/^CloudFront-[A-Za-z-]+=; Path=\/help\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
});

describe('the local runtime checks the cookies as CloudFront does', () => {
  const trustedKeys = new Map([['K2JCJMDEHXQW5F', publicKeyPem]]);
  const header = cookieHeaderOf(signedCookieHeaders(signer.sign({ siteUrl, expiresAt: now + 3600 }), { path: '/', secure: true }, 3600));

  test('a valid sign-in opens any page of the site until the policy expires', () => {
    expect(verifySignedCookies({ cookieHeader: header, trustedKeys, url: `${siteUrl}services/email/index.html`, now })).toBe(true);
    expect(verifySignedCookies({ cookieHeader: header, trustedKeys, url: `${siteUrl}index.html`, now: now + 3600 })).toBe(false);
  });

  test('no cookies, another site, an unknown key pair, a tampered policy or a SHA-1 claim are refused', () => {
    expect(verifySignedCookies({ cookieHeader: undefined, trustedKeys, url: siteUrl, now })).toBe(false);
    expect(verifySignedCookies({ cookieHeader: header, trustedKeys, url: 'https://elsewhere.example.com/index.html', now })).toBe(false);
    expect(verifySignedCookies({ cookieHeader: header, trustedKeys: new Map([['KOTHER', publicKeyPem]]), url: siteUrl, now })).toBe(false);
    const longer = signer.sign({ siteUrl, expiresAt: now + 999_999 }).policy;
    const tampered = header.replace(/CloudFront-Policy=[^;]+/, `CloudFront-Policy=${longer}`);
    expect(verifySignedCookies({ cookieHeader: tampered, trustedKeys, url: siteUrl, now })).toBe(false);
    expect(verifySignedCookies({ cookieHeader: header.replace('CloudFront-Hash-Algorithm=SHA256', 'CloudFront-Hash-Algorithm=SHA1'), trustedKeys, url: siteUrl, now })).toBe(false);
  });
});

test('the config takes an RSA 2048 public key in PEM only', () => {
  expect(sitePublicKeyProblem(publicKeyPem)).toBeUndefined();
  expect(sitePublicKeyProblem('not a key')).toMatch(/is not a PEM public key/);
  expect(sitePublicKeyProblem(privateKeyPem.replace(/PRIVATE/g, 'PUBLIC'))).toBeDefined();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  expect(sitePublicKeyProblem(ec)).toMatch(/is a ec key/);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  expect(sitePublicKeyProblem(small)).toMatch(/RSA 1024-bit/);
});
