import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ROLES, type Caller, type Role } from '../domain/access-policy';

/**
 * Turns the claims API Gateway's Cognito authorizer hands over into a Caller. Every claim value
 * arrives as a string; `cognito:groups` is comma-separated on a REST API ("agent,engineer") and
 * bracketed on an HTTP API ("[agent engineer]"); both are read here and only here.
 */
export function callerFromEvent(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Caller | undefined {
  const claims = (event.requestContext.authorizer?.['claims'] ?? undefined) as Record<string, unknown> | undefined;
  if (!claims || typeof claims['sub'] !== 'string') return undefined;
  const username = asString(claims['cognito:username']) ?? asString(claims['username']);
  if (username) {
    return { id: claims['sub'], name: username, roles: parseGroups(claims['cognito:groups']) };
  }
  // Client-credentials access tokens carry client_id and scopes, no user and no groups.
  const clientId = asString(claims['client_id']);
  if (clientId && asString(claims['scope'])?.split(' ').some((s) => s.startsWith('itsm/'))) {
    return { id: clientId, name: `client:${clientId}`, roles: ['integration'] };
  }
  return undefined;
}

export function parseGroups(value: unknown): Role[] {
  const raw = Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? value.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return raw.map((g) => g.trim()).filter((g): g is Role => (ROLES as readonly string[]).includes(g));
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
