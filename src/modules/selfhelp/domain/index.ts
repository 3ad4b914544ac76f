/**
 * The public entry of the self-help module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { byteLength, generateSite, isOnSite, pageWeights } from './site-generator';
export type { DeskContact, Site, SiteAccess, SiteArticle, SiteFile, SiteInput, SiteService } from './site-generator';
export { VIEW_BEACON_PATH_PATTERN } from './site-assets';
export { BUNDLE_PATH, bundleOf } from './site-bundle';
/** An article's body as its page shows it (escaped HTML, no links): also what the client's ServiceNow knowledge base is sent. */
export { renderMarkdown } from './markdown';
export { clearedCookieHeaders, SIGN_IN_PATH_PATTERN, signedCookieHeaders, SIGNED_COOKIE_NAMES } from './signed-cookies';
export type { CookieScope, SignedCookies } from './signed-cookies';
