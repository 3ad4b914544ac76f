import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { ServiceNowSettings } from '../../../config/servicenow-settings-schema';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import { DynamoDbIncidentRepository } from '../../incidents/adapters';
import { DynamoDbChangeRepository } from '../../changes/adapters';
import { DynamoDbClientSlaStore, DynamoDbExceptionStore, DynamoDbExternalRefs, DynamoDbSyncStore } from '../adapters/dynamodb-sync-store';
import { ServiceNowTableClient, type ServiceNowCredentials } from '../adapters/servicenow-table-client';
import type { ServiceNowPushDeps } from '../app/sync-incident';
import type { KnowledgeMirrorDeps } from '../app/sync-article';
import { DynamoDbArticleReader } from '../adapters/dynamodb-article-reader';
import { SERVICENOW_SECRETS, type ServiceNowSecrets } from './adapter-keys';

/**
 * The credentials and the webhook key: the local runtime's stand-in when one is registered, else
 * Secrets Manager through Powertools Parameters (cached five minutes), whose client is created on
 * first use. The auth secret is JSON: {"user","password"} or {"clientId","clientSecret"}.
 */
export function serviceNowSecrets(settings: ServiceNowSettings, tracer: Tracer): ServiceNowSecrets {
  const override = adapterOverride(SERVICENOW_SECRETS);
  if (override) return override;
  const source = lazily(async () => (await import('../../../platform/on-demand/secrets-manager-client')).createSecretSource(tracer));
  return {
    credentials: async (): Promise<ServiceNowCredentials> => {
      const secret = JSON.parse(await (await source()).secretString(settings.auth.secretArn)) as Record<string, string>;
      return settings.auth.type === 'basic'
        ? { type: 'basic', user: String(secret['user'] ?? secret['username']), password: String(secret['password']) }
        : { type: 'oauth-client-credentials', clientId: String(secret['clientId']), clientSecret: String(secret['clientSecret']) };
    },
    webhookSecret: async () => (await source()).secretString(settings.webhookSecretArn),
  };
}

/** What pushing incidents there needs (the outbox consumer and reconciler build it where the client has the integration). */
export function createServiceNowPushDeps(options: {
  readonly settings: ServiceNowSettings;
  readonly documents: DynamoDBDocumentClient;
  readonly incidentsTable: string;
  /** Changes the client approves there are read from it (mirrored as change_request records). */
  readonly changesTable: string;
  /** Knowledge articles are read from it, to publish them to the client's knowledge base (the outbox's functions, where config says so). */
  readonly problemsTable?: string;
  readonly clock: { now(): Date };
  readonly ids: { newId(): string };
  readonly tracer: Tracer;
}): ServiceNowPushDeps & { readonly knowledge?: KnowledgeMirrorDeps } {
  const { settings, documents, incidentsTable } = options;
  const secrets = serviceNowSecrets(settings, options.tracer);
  const table = new ServiceNowTableClient({ instanceUrl: settings.instanceUrl, credentials: () => secrets.credentials() });
  const store = new DynamoDbSyncStore(documents, incidentsTable);
  return {
    table,
    store,
    exceptions: new DynamoDbExceptionStore(documents, incidentsTable),
    externalRefs: new DynamoDbExternalRefs(documents, incidentsTable),
    incidents: new DynamoDbIncidentRepository(documents, incidentsTable),
    changes: new DynamoDbChangeRepository(documents, options.changesTable),
    slas: new DynamoDbClientSlaStore(documents, incidentsTable),
    settings,
    clock: options.clock,
    ids: options.ids,
    ...(settings.knowledge && options.problemsTable && {
      knowledge: { table, store, articles: new DynamoDbArticleReader(documents, options.problemsTable), knowledge: settings.knowledge, clock: options.clock, ids: options.ids },
    }),
  };
}
