/**
 * CloudFront signed cookies with a custom policy (the site behind the client's sign-in): the policy
 * statement, CloudFront's URL-safe base64, and the Set-Cookie headers. Pure: the signing itself is
 * an adapter's (CloudFrontCookieSigner), the clock the caller's.
 */

/** The cookie names CloudFront reads on a behaviour with a trusted key group. */
export const SIGNED_COOKIE_NAMES = {
  policy: 'CloudFront-Policy',
  signature: 'CloudFront-Signature',
  keyPairId: 'CloudFront-Key-Pair-Id',
  hashAlgorithm: 'CloudFront-Hash-Algorithm',
} as const;

/** The site signs with RSA-SHA256 and says so (CloudFront's default is SHA-1). */
export const SIGNED_COOKIE_HASH_ALGORITHM = 'SHA256';

/** Where the sign-in routes live, relative to the site's root (a CloudFront behaviour forwards them to the API). */
export const SIGN_IN_PATH_PATTERN = 'auth/*';

export interface SitePolicyInput {
  /** The site's address, ending in `/`: the policy covers everything under it. */
  readonly siteUrl: string;
  /** Epoch seconds after which CloudFront refuses the cookies. */
  readonly expiresAt: number;
}

/**
 * The custom policy statement, as CloudFront wants it: JSON without white space, one statement, a
 * wildcard resource (the whole site) and an expiry.
 */
export function sitePolicy({ siteUrl, expiresAt }: SitePolicyInput): string {
  if (!siteUrl.endsWith('/')) throw new Error(`The site address must end in "/": ${siteUrl}`);
  if (!Number.isInteger(expiresAt) || expiresAt <= 0) throw new Error(`expiresAt must be epoch seconds: ${expiresAt}`);
  return JSON.stringify({ Statement: [{ Resource: `${siteUrl}*`, Condition: { DateLessThan: { 'AWS:EpochTime': expiresAt } } }] });
}

export interface SignedCookies {
  /** The policy statement, CloudFront-base64. */
  readonly policy: string;
  /** The policy's signature, CloudFront-base64. */
  readonly signature: string;
  readonly keyPairId: string;
}

export interface CookieScope {
  /** The site's path (`/` on CloudFront, `/help/` locally). */
  readonly path: string;
  /** Secure unless served over plain HTTP on the loopback (the local runtime). */
  readonly secure: boolean;
}

const attributes = ({ path, secure }: CookieScope, maxAge: number) => `; Path=${path}; Max-Age=${maxAge}${secure ? '; Secure' : ''}; HttpOnly; SameSite=Lax`;

/**
 * The four Set-Cookie headers: HttpOnly (no script reads them), Secure, SameSite=Lax (sent on the
 * top-level navigation back from the sign-in), and a Max-Age no longer than the policy itself.
 */
export function signedCookieHeaders(cookies: SignedCookies, scope: CookieScope, maxAgeSeconds: number): string[] {
  const tail = attributes(scope, maxAgeSeconds);
  return [
    `${SIGNED_COOKIE_NAMES.policy}=${cookies.policy}${tail}`,
    `${SIGNED_COOKIE_NAMES.signature}=${cookies.signature}${tail}`,
    `${SIGNED_COOKIE_NAMES.keyPairId}=${cookies.keyPairId}${tail}`,
    `${SIGNED_COOKIE_NAMES.hashAlgorithm}=${SIGNED_COOKIE_HASH_ALGORITHM}${tail}`,
  ];
}

/** Sign-out: the same cookies, emptied and expired. */
export function clearedCookieHeaders(scope: CookieScope): string[] {
  return Object.values(SIGNED_COOKIE_NAMES).map((name) => `${name}=${attributes(scope, 0)}`);
}

/** The policy's expiry (epoch seconds) and resource, or undefined when it is not a single-statement site policy. */
export function readSitePolicy(policyJson: string): { readonly resource: string; readonly expiresAt: number } | undefined {
  try {
    const parsed = JSON.parse(policyJson) as { Statement?: { Resource?: unknown; Condition?: { DateLessThan?: { 'AWS:EpochTime'?: unknown } } }[] };
    const statement = parsed.Statement?.length === 1 ? parsed.Statement[0] : undefined;
    const resource = statement?.Resource;
    const expiresAt = statement?.Condition?.DateLessThan?.['AWS:EpochTime'];
    return typeof resource === 'string' && typeof expiresAt === 'number' ? { resource, expiresAt } : undefined;
  } catch {
    return undefined;
  }
}

/** CloudFront's wildcard match of a policy resource against a request URL (`*` any characters, `?` one). */
export function policyResourceMatches(resource: string, url: string): boolean {
  const pattern = resource.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(url);
}

/** Cookie header → name/value pairs (first value wins, as CloudFront reads them). */
export function parseCookieHeader(header: string | undefined): ReadonlyMap<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}
