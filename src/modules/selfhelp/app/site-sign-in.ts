import { clearedCookieHeaders, signedCookieHeaders, type CookieScope, type SignedCookies } from '../domain/signed-cookies';

/**
 * The sign-in of a self-help site behind the client's sign-in: an OAuth 2.0 authorization-code flow
 * with PKCE against the user pool's hosted UI, completed in the API (CloudFront forwards the site's
 * `/auth/*` there), which ends by setting CloudFront signed cookies for the whole site.
 */

/** The user pool's hosted UI (Cognito) or, locally, the local token issuer speaking the same protocol. */
export interface IdentityProvider {
  /** Where the browser signs in. */
  authorizeUrl(request: { readonly state: string; readonly codeChallenge: string; readonly redirectUri: string }): string;
  /** The token endpoint: the code (and the PKCE verifier) for an ID token. Throws SignInRefused when refused. */
  exchangeCode(request: { readonly code: string; readonly codeVerifier: string; readonly redirectUri: string }): Promise<{ readonly idToken: string }>;
  /** Verifies the ID token (signature, issuer, audience, expiry, token_use); throws SignInRefused when it fails. */
  verifyIdToken(idToken: string): Promise<{ readonly username: string; readonly groups: readonly string[] }>;
  /** Where the browser signs out of the hosted UI, coming back to `returnTo`. */
  signOutUrl(returnTo: string): string;
}

export interface CookieSigner {
  sign(input: { readonly siteUrl: string; readonly expiresAt: number }): SignedCookies;
}

/** A new random state and PKCE verifier with its S256 challenge. */
export interface SignInSecrets {
  readonly state: string;
  readonly codeVerifier: string;
  readonly codeChallenge: string;
}

export interface SiteSignInDeps {
  /** The site's address, ending in `/` (`https://help.example.com/`, locally `http://127.0.0.1:3000/help/`). */
  readonly siteUrl: string;
  readonly identity: IdentityProvider;
  /** Built on first use: it reads the private key from its secret. */
  readonly signer: () => Promise<CookieSigner>;
  /** Groups whose members may read the site. */
  readonly readerRoles: readonly string[];
  readonly sessionSeconds: number;
  readonly now: () => Date;
  readonly newSignInSecrets: () => SignInSecrets;
}

/** Why a sign-in did not complete; the route answers 400 (bad request) or 403 (not a reader). */
export class SignInRefused extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'SignInRefused';
  }
}

/** The short-lived cookie that carries state and verifier from the start of a sign-in to its callback. */
export const SIGN_IN_COOKIE = 'itsm-site-sign-in';
const SIGN_IN_COOKIE_SECONDS = 600;

export interface SignInStep {
  readonly location: string;
  readonly cookies: readonly string[];
}

const scopeOf = (siteUrl: string): CookieScope => {
  const url = new URL(siteUrl);
  // Secure everywhere but plain HTTP on the loopback (the local runtime), where browsers would drop it.
  return { path: url.pathname, secure: url.protocol === 'https:' };
};
const callbackOf = (siteUrl: string) => `${siteUrl}auth/callback`;

/** GET /auth/start: to the hosted UI, with state and the PKCE challenge; the verifier stays in an HttpOnly cookie. */
export function startSignIn(deps: SiteSignInDeps): SignInStep {
  const secrets = deps.newSignInSecrets();
  const scope = scopeOf(deps.siteUrl);
  return {
    location: deps.identity.authorizeUrl({ state: secrets.state, codeChallenge: secrets.codeChallenge, redirectUri: callbackOf(deps.siteUrl) }),
    cookies: [
      `${SIGN_IN_COOKIE}=${secrets.state}.${secrets.codeVerifier}; Path=${scope.path}auth/; Max-Age=${SIGN_IN_COOKIE_SECONDS}${scope.secure ? '; Secure' : ''}; HttpOnly; SameSite=Lax`,
    ],
  };
}

/**
 * GET /auth/callback: the state must be the one this browser started with; the code is exchanged
 * (with the verifier), the ID token verified, and the user must be in a reader group. Then the
 * signed cookies for the whole site, valid for the session length, and back to the site's home.
 */
export async function completeSignIn(
  deps: SiteSignInDeps,
  request: { readonly code: string | undefined; readonly state: string | undefined; readonly signInCookie: string | undefined },
): Promise<SignInStep & { readonly username: string }> {
  if (!request.code) throw new SignInRefused(400, 'code', 'is required: the sign-in returns here with a code');
  if (!request.state) throw new SignInRefused(400, 'state', 'is required: the sign-in returns here with the state it was given');
  const [state, codeVerifier] = (request.signInCookie ?? '').split('.');
  if (!state || !codeVerifier || state !== request.state) {
    throw new SignInRefused(400, 'state', 'does not match the sign-in this browser started (start again from the site)');
  }
  const { idToken } = await deps.identity.exchangeCode({ code: request.code, codeVerifier, redirectUri: callbackOf(deps.siteUrl) });
  const user = await deps.identity.verifyIdToken(idToken);
  if (!user.groups.some((group) => deps.readerRoles.includes(group))) {
    throw new SignInRefused(403, undefined, `${user.username} is not in a group that may read this site (${deps.readerRoles.join(', ')})`);
  }
  const scope = scopeOf(deps.siteUrl);
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + deps.sessionSeconds;
  const signed = (await deps.signer()).sign({ siteUrl: deps.siteUrl, expiresAt });
  return {
    location: deps.siteUrl,
    username: user.username,
    cookies: [...signedCookieHeaders(signed, scope, deps.sessionSeconds), `${SIGN_IN_COOKIE}=; Path=${scope.path}auth/; Max-Age=0${scope.secure ? '; Secure' : ''}; HttpOnly; SameSite=Lax`],
  };
}

/** GET /auth/sign-out: the signed cookies expired, then the hosted UI's sign-out, back to the site (its sign-in page). */
export function signOut(deps: SiteSignInDeps): SignInStep {
  return { location: deps.identity.signOutUrl(deps.siteUrl), cookies: clearedCookieHeaders(scopeOf(deps.siteUrl)) };
}
