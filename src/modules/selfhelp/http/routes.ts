import * as z from 'zod';
import { header, RequestProblem } from '../../../kernel/http/http-request';
import { problem } from '../../../kernel/http/problem-details';
import { defineRoutes } from '../../../kernel/http/route-declaration';
import { completeSignIn, SIGN_IN_COOKIE, SignInRefused, signOut, startSignIn, type SignInStep, type SiteSignInDeps } from '../app/site-sign-in';
import { escapeHtml } from '../domain/escape';
import { parseCookieHeader } from '../domain/signed-cookies';

/**
 * The sign-in of a self-help site behind the client's sign-in (selfHelp.site.access "client"):
 * CloudFront forwards the site's `/auth/*` here. Public by necessity (they are how a viewer gets
 * the signed cookies); only a stack whose site is behind the sign-in has them (function group
 * `selfhelp`, optional).
 */
const HTML = 'text/html; charset=utf-8';
const querySchema = z.object({ code: z.string().max(2048).optional(), state: z.string().max(256).optional() }).loose();

const redirect = (step: SignInStep) => ({ status: 302, headers: { Location: step.location }, cookies: step.cookies });

/** The page CloudFront shows an unsigned viewer (its 403 custom error response): no script, no style, one link. */
export function signInPage(siteUrl: string): string {
  const start = escapeHtml(`${siteUrl}auth/start`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in to the help site</title></head><body><main><h1>Sign in to the help site</h1><p>These help articles are for the signed-in users of the service desk's client.</p><p><a href="${start}" id="sign-in">Sign in</a></p></main></body></html>`;
}

const refusal = (error: unknown): never => {
  if (error instanceof SignInRefused) {
    throw new RequestProblem(
      error.status === 403
        ? problem('forbidden', error.message)
        : problem('invalid-input', error.field ? `${error.field} ${error.message}` : error.message, { ...(error.field && { errors: [{ field: error.field, message: error.message }] }) }),
    );
  }
  throw error;
};

export const SITE_SIGN_IN_ROUTES = defineRoutes<SiteSignInDeps>('selfhelp', [
  {
    method: 'GET', path: '/auth/sign-in', auth: 'none', operationId: 'getSiteSignInPage',
    summary: "The self-help site's sign-in page (what CloudFront shows a viewer without the signed cookies)",
    response: { status: 200, mediaType: 'text/html', description: 'The page, with a link to start the sign-in' },
    handle: async (_request, deps) => ({ status: 200, body: signInPage(deps.siteUrl), headers: { 'Content-Type': HTML } }),
  },
  {
    method: 'GET', path: '/auth/start', auth: 'none', operationId: 'startSiteSignIn',
    summary: "Starts the sign-in: to the user pool's hosted UI (authorization code with PKCE)",
    response: { status: 302, description: 'To the hosted UI; the state and PKCE verifier in a short-lived HttpOnly cookie' },
    handle: async (_request, deps) => redirect(startSignIn(deps)),
  },
  {
    method: 'GET', path: '/auth/callback', auth: 'none', operationId: 'completeSiteSignIn', query: querySchema,
    summary: 'The hosted UI returns here: exchanges the code, verifies the ID token and the reader group, sets the CloudFront signed cookies',
    response: { status: 302, description: "To the site's home, with the signed cookies" }, problems: [403],
    handle: async ({ event }, deps) => {
      const query = event.queryStringParameters ?? {};
      const step = await completeSignIn(deps, {
        code: query['code'] ?? undefined,
        state: query['state'] ?? undefined,
        signInCookie: parseCookieHeader(header(event, 'cookie')).get(SIGN_IN_COOKIE),
      }).catch(refusal);
      return redirect(step);
    },
  },
  {
    method: 'GET', path: '/auth/sign-out', auth: 'none', operationId: 'signOutOfSite',
    summary: "Signs out of the site: the signed cookies expired, then the hosted UI's sign-out",
    response: { status: 302, description: "To the hosted UI's sign-out, which returns to the site" },
    handle: async (_request, deps) => redirect(signOut(deps)),
  },
]);
