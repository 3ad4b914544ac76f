/**
 * The public entry of the self-help module's functions: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). The site is published by the outbox's functions (the
 * publish-site effect); this module's own function is the sign-in of a site behind the client's
 * sign-in (site-sign-in-handler.ts).
 */
export { SITE_BUNDLE, SITE_SIGN_IN, SITE_STORE } from './adapter-keys';
export { createSelfHelpSite, createSiteBundleLinks } from './self-help-site-factory';
export type { SelfHelpSiteEnvironment } from './self-help-site-factory';
