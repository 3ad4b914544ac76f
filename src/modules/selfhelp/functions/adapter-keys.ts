import { adapterKey } from '../../../kernel/runtime/adapter-overrides';
import type { SiteStore } from '../app/ports';
import type { BundleLink } from '../adapters/bundle-links';
import type { CookieSigner, IdentityProvider } from '../app/site-sign-in';

/**
 * Where the site is written in place of the S3 bucket (the local runtime's folder, served at
 * /help/), and the address it is served at there.
 */
export const SITE_STORE = adapterKey<{ readonly store: SiteStore; readonly baseUrl: string }>('selfhelp/site-store');
/** Where the downloadable bundle is linked from in place of a pre-signed S3 URL (the local runtime's server). */
export const SITE_BUNDLE = adapterKey<{ link(): Promise<BundleLink | undefined> }>('selfhelp/site-bundle');

/**
 * The sign-in's identity provider and signing key in place of Cognito's hosted UI and the secret
 * (the local runtime's token issuer, which speaks the same OAuth protocol, and its own key pair),
 * with the site's address there.
 */
export const SITE_SIGN_IN = adapterKey<{ readonly identity: IdentityProvider; readonly signer: CookieSigner; readonly siteUrl: string }>('selfhelp/site-sign-in');
