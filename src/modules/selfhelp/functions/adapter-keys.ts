import { adapterKey } from '../../../kernel/runtime/adapter-overrides';
import type { SiteStore } from '../app/ports';

/**
 * Where the site is written in place of the S3 bucket (the local runtime's folder, served at
 * /help/), and the address it is served at there.
 */
export const SITE_STORE = adapterKey<{ readonly store: SiteStore; readonly baseUrl: string }>('selfhelp/site-store');
