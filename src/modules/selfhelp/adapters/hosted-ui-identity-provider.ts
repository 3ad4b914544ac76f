import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SignInRefused, type IdentityProvider, type SignInSecrets } from '../app/site-sign-in';

export interface HostedUiOptions {
  /** The hosted UI's base URL: `https://<prefix>.auth.<region>.amazoncognito.com` (locally, the local issuer's). */
  readonly domainUrl: string;
  /** The ID tokens' `iss`: `https://cognito-idp.<region>.amazonaws.com/<user pool id>`; its keys at `<iss>/.well-known/jwks.json`. */
  readonly issuer: string;
  /** The site's app client (public: authorization code with PKCE, no secret). */
  readonly clientId: string;
  readonly fetch?: typeof fetch;
}

/**
 * Cognito's hosted UI endpoints (`/oauth2/authorize`, `/oauth2/token`, `/logout`) and its ID
 * tokens, verified against the user pool's published keys (RS256): issuer, audience (the site's
 * app client), expiry and `token_use: id`. The local runtime's token issuer serves the same paths.
 */
export class HostedUiIdentityProvider implements IdentityProvider {
  private readonly keys: JWTVerifyGetKey;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HostedUiOptions) {
    this.keys = createRemoteJWKSet(new URL(`${options.issuer}/.well-known/jwks.json`));
    this.fetch = options.fetch ?? fetch;
  }

  authorizeUrl(request: { readonly state: string; readonly codeChallenge: string; readonly redirectUri: string }): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.options.clientId,
      redirect_uri: request.redirectUri,
      scope: 'openid',
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
    return `${this.options.domainUrl}/oauth2/authorize?${query}`;
  }

  async exchangeCode(request: { readonly code: string; readonly codeVerifier: string; readonly redirectUri: string }): Promise<{ readonly idToken: string }> {
    const response = await this.fetch(`${this.options.domainUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: this.options.clientId,
        code: request.code,
        redirect_uri: request.redirectUri,
        code_verifier: request.codeVerifier,
      }).toString(),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
    if (!response.ok || typeof body.id_token !== 'string') {
      throw new SignInRefused(400, 'code', `was refused by the sign-in (${typeof body.error === 'string' ? body.error : `HTTP ${response.status}`}); start again from the site`);
    }
    return { idToken: body.id_token };
  }

  async verifyIdToken(idToken: string): Promise<{ readonly username: string; readonly groups: readonly string[] }> {
    try {
      const { payload } = await jwtVerify(idToken, this.keys, { issuer: this.options.issuer, audience: this.options.clientId, algorithms: ['RS256'], requiredClaims: ['exp'] });
      if (payload['token_use'] !== 'id') throw new Error('not an ID token');
      const groups = payload['cognito:groups'];
      return {
        username: String(payload['cognito:username'] ?? payload.sub),
        groups: Array.isArray(groups) ? groups.map(String) : [],
      };
    } catch (error) {
      throw new SignInRefused(400, 'code', `gave an ID token that does not verify (${(error as Error).message})`);
    }
  }

  signOutUrl(returnTo: string): string {
    return `${this.options.domainUrl}/logout?${new URLSearchParams({ client_id: this.options.clientId, logout_uri: returnTo })}`;
  }
}

const base64Url = (bytes: Buffer) => bytes.toString('base64url');

/** A random state and PKCE verifier (32 bytes each), with the verifier's S256 challenge (RFC 7636). */
export function newSignInSecrets(): SignInSecrets {
  const codeVerifier = base64Url(randomBytes(32));
  return { state: base64Url(randomBytes(32)), codeVerifier, codeChallenge: base64Url(createHash('sha256').update(codeVerifier).digest()) };
}
