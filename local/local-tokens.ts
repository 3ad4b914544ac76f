import { createHash, randomBytes } from 'node:crypto';
import { INTEGRATION_SCOPES, PEOPLE_SCOPE, RESOURCE_SERVER_ID } from '../src/api/api-catalogue';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from '../src/kernel/domain/access-policy';

/**
 * Local stand-in for Cognito: tokens signed with a key kept in the local data folder, carrying
 * the claims Cognito puts in an access token: a person's (username, groups, the sign-in scope) or
 * a machine client's (client_id and the resource-server scopes of the client-credentials grant).
 * The local runtime verifies them and hands handlers the claims exactly as API Gateway's
 * Cognito authorizer does: every value a string, groups comma-separated.
 */
const ISSUER = 'rowe-itsm-local';
const KEY_FILE = 'token-signing-key';

export function signingKey(localDir: string): Uint8Array {
  const file = join(localDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // `wx` fails if another process created it meanwhile; then read theirs.
    try {
      writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export interface TokenRequest {
  readonly roles: readonly Role[];
  /** Username for people; client id for `integration`. */
  readonly user: string;
  /** @default 12 hours */
  readonly ttlSeconds?: number;
}

/** A stable fake `sub` per user name, shaped like a Cognito UUID. */
export function subFor(user: string): string {
  const h = createHash('sha256').update(`rowe-itsm-local:${user}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function issueToken(localDir: string, request: TokenRequest): Promise<string> {
  const unknown = request.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new Error(`Unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  const machine = request.roles.includes('integration');
  // Access tokens, shaped as Cognito issues them: the API's methods require OAuth scopes.
  const claims = machine
    ? { client_id: request.user, scope: INTEGRATION_SCOPES.map((s) => `${RESOURCE_SERVER_ID}/${s}`).join(' '), token_use: 'access' }
    : {
        username: request.user,
        'cognito:groups': [...request.roles],
        token_use: 'access',
        scope: PEOPLE_SCOPE,
        client_id: 'local-desk',
      };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(machine ? request.user : subFor(request.user))
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? 12 * 3600))
    .sign(signingKey(localDir));
}

/** Verifies a bearer token; returns the claims as the Cognito authorizer would pass them, or undefined. */
export async function verifyToken(key: Uint8Array, authorization: string | undefined): Promise<Record<string, string> | undefined> {
  if (!authorization) return undefined;
  const token = authorization.replace(/^Bearer\s+/i, '').trim();
  try {
    // As Cognito's tokens always do, a token must say when it expires: one without `exp` never would.
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] });
    const claims: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) {
      claims[name] = Array.isArray(value) ? value.join(',') : String(value);
    }
    return claims;
  } catch {
    return undefined;
  }
}
