/**
 * The public entry of the self-help module's app: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { INDEX_LAG_MS, publishSite, servicesWithMajorIncidents } from './publish-site';
export type { PublishOutcome, PublishSiteDeps, PublishSiteRequest } from './publish-site';
export type { OpenMajorIncident, SiteIncident, SiteManifest, SiteSettings, SiteSource, SiteStore } from './ports';
export { completeSignIn, SIGN_IN_COOKIE, SignInRefused, signOut, startSignIn } from './site-sign-in';
export type { CookieSigner, IdentityProvider, SignInSecrets, SignInStep, SiteSignInDeps } from './site-sign-in';
