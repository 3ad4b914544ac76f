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
  readonly clock: { now(): Date };
  readonly ids: { newId(): string };
  readonly tracer: Tracer;
}): ServiceNowPushDeps {
  const { settings, documents, incidentsTable } = options;
  const secrets = serviceNowSecrets(settings, options.tracer);
  return {
    table: new ServiceNowTableClient({ instanceUrl: settings.instanceUrl, credentials: () => secrets.credentials() }),
    store: new DynamoDbSyncStore(documents, incidentsTable),
    exceptions: new DynamoDbExceptionStore(documents, incidentsTable),
    externalRefs: new DynamoDbExternalRefs(documents, incidentsTable),
    incidents: new DynamoDbIncidentRepository(documents, incidentsTable),
    changes: new DynamoDbChangeRepository(documents, options.changesTable),
    slas: new DynamoDbClientSlaStore(documents, incidentsTable),
    settings,
    clock: options.clock,
    ids: options.ids,
  };
}
