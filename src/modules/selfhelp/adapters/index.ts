/**
 * The public entry of the self-help module's adapters: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { DynamoDbSiteSource } from './dynamodb-site-source';
export { FolderSiteStore, MANIFEST_FILE } from './folder-site-store';
export { S3SiteStore } from './s3-site-store';
export { BUNDLE_LINK_SECONDS, FolderBundleLinks } from './bundle-links';
export type { BundleLink } from './bundle-links';
export { CloudFrontCookieSigner, verifySignedCookies } from './cloudfront-cookie-signer';
export { HostedUiIdentityProvider, newSignInSecrets } from './hosted-ui-identity-provider';
