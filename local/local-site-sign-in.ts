import { createHash, generateKeyPairSync, randomBytes, type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';

/**
 * The local stand-ins for a self-help site behind the client's sign-in:
 *
 * - the **site cookie key pair** (`.local/site-cookie-key.pem`): what ops put in the secret on AWS,
 *   and whose public half the local CloudFront stand-in trusts in place of the key group's key;
 * - the local token issuer's **OAuth face** at `/_local/cognito`: the hosted UI's paths
 *   (`/oauth2/authorize`, `/oauth2/token`, `/logout`) and the user pool's keys
 *   (`/.well-known/jwks.json`), issuing RS256 ID tokens shaped as Cognito's (`cognito:username`,
 *   `cognito:groups`, `token_use: id`), so the sign-in function's own adapter
 *   (HostedUiIdentityProvider) talks to it exactly as it talks to Cognito. The authorize page is a
 *   form (user name and role) instead of a password and MFA.
 */
export const LOCAL_SIGN_IN_PATH = '/_local/cognito';
/** The site's app client id here. */
export const LOCAL_SITE_CLIENT_ID = 'local-site';

function keyFile(file: string): KeyObject {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return createPrivateKey(readFileSync(file, 'utf8'));
}

/** The site's cookie-signing key pair of this local folder (made on first use). */
export function localSiteCookieKey(localDir: string): { readonly file: string; readonly publicKeyPem: string } {
  const file = join(localDir, 'site-cookie-key.pem');
  const key = keyFile(file);
  return { file, publicKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString() };
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly username: string;
  readonly groups: readonly string[];
  readonly expiresAt: number;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The local OAuth face of the token issuer; `baseUrl()` is the runtime's own address. */
export function createLocalSignIn(options: { readonly localDir: string; readonly baseUrl: () => string; readonly roles: readonly string[] }) {
  const key = keyFile(join(options.localDir, 'sign-in-issuer-key.pem'));
  const kid = createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
  const codes = new Map<string, PendingCode>();
  const issuer = () => `${options.baseUrl()}${LOCAL_SIGN_IN_PATH}`;

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body = '') => {
    res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
    res.end(body);
    return true;
  };
  const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, { 'Content-Type': 'application/json' }, JSON.stringify(body));

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${LOCAL_SIGN_IN_PATH}/`)) return false;
    let body = '';
    if (req.method === 'POST') {
      for await (const chunk of req) {
        body += chunk;
        if (body.length > 16_384) return send(res, 413, { 'Content-Type': 'text/plain' }, 'Too large');
      }
    }
    const path = url.pathname.slice(LOCAL_SIGN_IN_PATH.length);
    if (req.method === 'GET' && path === '/.well-known/jwks.json') {
      return json(res, 200, { keys: [{ ...(await exportJWK(createPublicKey(key))), kid, alg: 'RS256', use: 'sig' }] });
    }
    if (req.method === 'GET' && path === '/oauth2/authorize') {
      const q = url.searchParams;
      if (q.get('response_type') !== 'code' || q.get('client_id') !== LOCAL_SITE_CLIENT_ID || !q.get('redirect_uri') || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        return send(res, 400, { 'Content-Type': 'text/plain' }, 'invalid_request: response_type=code, client_id, redirect_uri and an S256 code_challenge are required');
      }
      const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge'].map((n) => `<input type="hidden" name="${n}" value="${escape(q.get(n) ?? '')}">`).join('');
      const roles = options.roles.map((r) => `<option value="${escape(r)}">${escape(r)}</option>`).join('');
      return send(
        res,
        200,
        { 'Content-Type': 'text/html; charset=utf-8' },
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local sign-in</title></head><body><main><h1>Local sign-in</h1><p>The local runtime's stand-in for the user pool's hosted UI.</p><form method="post" action="${LOCAL_SIGN_IN_PATH}/oauth2/authorize">${hidden}<p><label for="username">User name</label> <input id="username" name="username" required></p><p><label for="role">Role</label> <select id="role" name="role">${roles}</select></p><p><button type="submit">Sign in</button></p></form></main></body></html>`,
      );
    }
    if (req.method === 'POST' && path === '/oauth2/authorize') {
      const form = new URLSearchParams(body);
      const redirectUri = form.get('redirect_uri') ?? '';
      const username = (form.get('username') ?? '').trim();
      if (!redirectUri || !username) return send(res, 400, { 'Content-Type': 'text/plain' }, 'invalid_request: username and redirect_uri are required');
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        clientId: form.get('client_id') ?? '',
        redirectUri,
        codeChallenge: form.get('code_challenge') ?? '',
        username,
        groups: [form.get('role') ?? ''].filter(Boolean),
        expiresAt: Date.now() + 5 * 60_000,
      });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      if (form.get('state')) target.searchParams.set('state', form.get('state')!);
      return send(res, 302, { Location: target.toString() });
    }
    if (req.method === 'POST' && path === '/oauth2/token') {
      const form = new URLSearchParams(body);
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (
        form.get('grant_type') !== 'authorization_code' ||
        !pending ||
        pending.expiresAt < Date.now() ||
        pending.clientId !== form.get('client_id') ||
        pending.redirectUri !== form.get('redirect_uri') ||
        pending.codeChallenge !== challenge
      ) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const idToken = await new SignJWT({ 'cognito:username': pending.username, 'cognito:groups': [...pending.groups], token_use: 'id' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject(pending.username)
        .setIssuer(issuer())
        .setAudience(pending.clientId)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      return json(res, 200, { id_token: idToken, access_token: idToken, token_type: 'Bearer', expires_in: 300 });
    }
    if (req.method === 'GET' && path === '/logout') {
      const back = url.searchParams.get('logout_uri');
      if (url.searchParams.get('client_id') !== LOCAL_SITE_CLIENT_ID || !back) return send(res, 400, { 'Content-Type': 'text/plain' }, 'invalid_request: client_id and logout_uri are required');
      return send(res, 302, { Location: back });
    }
    return send(res, 404, { 'Content-Type': 'text/plain' }, 'Not found');
  };
}
