import { createHttpHandler } from '../../../kernel/http/http-router';
import { createClock, createObservability, readEnvironment } from '../../../platform/runtime-environment';
import { SITE_SIGN_IN_ROUTES } from '../http/routes';
import { SITE_SIGN_IN_ENVIRONMENT } from './environment';
import { createSiteSignIn } from './site-sign-in-factory';

/**
 * The sign-in of a self-help site behind the client's sign-in (`/auth/*`, forwarded by the site's
 * CloudFront distribution): the only function that may read the cookie-signing key.
 */
const env = readEnvironment(SITE_SIGN_IN_ENVIRONMENT);
const observability = createObservability('selfhelp');
const deps = createSiteSignIn({ env, clock: createClock(), tracer: observability.tracer });

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = SITE_SIGN_IN_ROUTES;

export const handler = createHttpHandler(routes, deps, observability);
