import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import type { FunctionSettings } from '../../../config/client-settings-schema';
import { createClientContactsSource } from '../../../platform/client-contacts';
import { publishSite, type PublishOutcome, type PublishSiteRequest } from '../app/publish-site';
import type { SiteStore } from '../app/ports';
import { DynamoDbSiteSource } from '../adapters/dynamodb-site-source';
import { SITE_BUNDLE, SITE_STORE } from './adapter-keys';
import type { BundleLink } from '../adapters/bundle-links';

export interface SelfHelpSiteEnvironment {
  readonly problemsTable?: string | undefined;
  readonly catalogueTable?: string | undefined;
  readonly incidentsTable: string;
  readonly selfHelpBucket?: string | undefined;
  readonly selfHelpUrl?: string | undefined;
  readonly selfHelpAccess?: string | undefined;
  /** `zip`: every rebuild also keeps the downloadable bundle. */
  readonly selfHelpBundle?: string | undefined;
  /** The client-contacts secret: the site names the desk's contact (the provider's named contact). */
  readonly clientContactsSecret?: string | undefined;
}

/**
 * The self-help site's publisher for a function that delivers outbox effects, or undefined when
 * the client has no site (SELFHELP_ACCESS empty). The S3 client (and its SDK module) is created on
 * the first rebuild, not at cold start; a registered stand-in store (local runtime) replaces it.
 */
export function createSelfHelpSite(options: {
  readonly env: SelfHelpSiteEnvironment;
  readonly documents: DynamoDBDocumentClient;
  readonly settings: Pick<FunctionSettings, 'id'>;
  readonly clock: { now(): Date };
  readonly tracer: Tracer;
}): { publish(request: PublishSiteRequest): Promise<PublishOutcome> } | undefined {
  const { env } = options;
  const access = env.selfHelpAccess;
  if (access !== 'public' && access !== 'client') return undefined;
  if (!env.problemsTable || !env.catalogueTable) throw new Error('The self-help site needs the problems and catalogue tables');
  if (!env.clientContactsSecret) throw new Error('The self-help site needs the client contacts secret (CLIENT_CONTACTS_SECRET_ARN): its pages name the desk');
  const contacts = createClientContactsSource({ secretArn: env.clientContactsSecret, tracer: options.tracer });
  const override = adapterOverride(SITE_STORE);
  const baseUrl = override?.baseUrl ?? env.selfHelpUrl;
  if (!baseUrl) throw new Error('The self-help site needs its address (SELFHELP_SITE_URL)');
  const store = lazily(async (): Promise<SiteStore> => {
    if (override) return override.store;
    if (!env.selfHelpBucket) throw new Error('The self-help site needs its bucket (SELFHELP_BUCKET_NAME)');
    const [{ S3Client }, { S3SiteStore }] = await Promise.all([import('@aws-sdk/client-s3'), import('../adapters/s3-site-store')]);
    const s3 = new S3Client({});
    return new S3SiteStore(options.tracer.captureAWSv3Client(s3), env.selfHelpBucket);
  });
  const source = new DynamoDbSiteSource(options.documents, { problems: env.problemsTable, catalogue: env.catalogueTable, incidents: env.incidentsTable });
  // The desk on every page: the provider's named contact, read from the contacts secret at each rebuild.
  const settingsOf = async () => {
    const desk = (await contacts.contacts()).providerNamed;
    return {
      title: `${options.settings.id} help`,
      baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
      access,
      desk: { name: desk.name, email: desk.email, ...(desk.phone && { phone: desk.phone }) },
    } as const;
  };
  return {
    publish: async (request) => publishSite({ source, store: await store(), settings: await settingsOf(), clock: options.clock, bundle: env.selfHelpBundle === 'zip' }, request),
  };
}

/**
 * Links to the site's downloadable bundle for the function serving GET /knowledge/site-bundle, or
 * undefined when the client keeps none (its bucket variable empty). The S3 client, presigner and
 * their SDK modules are loaded on the first request; a registered stand-in (local runtime) replaces them.
 */
export function createSiteBundleLinks(options: {
  readonly bucket: string | undefined;
  readonly clock: { now(): Date };
  readonly tracer?: Tracer;
}): { link(): Promise<BundleLink | undefined> } | undefined {
  const override = adapterOverride(SITE_BUNDLE);
  if (override) return override;
  const { bucket } = options;
  if (!bucket) return undefined;
  const links = lazily(async () => {
    const [{ S3Client }, { S3BundleLinks }] = await Promise.all([import('@aws-sdk/client-s3'), import('../adapters/bundle-links')]);
    const s3 = new S3Client({});
    return new S3BundleLinks(options.tracer ? options.tracer.captureAWSv3Client(s3) : s3, bucket, options.clock);
  });
  return { link: async () => (await links()).link() };
}
