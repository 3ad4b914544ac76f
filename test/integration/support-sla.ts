import { randomUUID } from 'node:crypto';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbIncidentRepository } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { SnsNotifier } from '../../src/kernel/adapters/sns-notifier';
import type { IncidentDeps } from '../../src/modules/incidents/app/incident-use-cases';
import { slaPolicyOf, type SlaDeps } from '../../src/modules/incidents/app/sla-use-cases';
import type { ClientSettings } from '../../src/config/client-settings-schema';
import type { LocalSns } from '../../local/local-sns';
import type { TestTables } from '../support/test-tables';
import { TOPICS } from './support-handler';

/**
 * The SLA tests' use-case dependencies over DynamoDB Local, as the functions build them: one audit
 * trail, incident repository (counting SLA outcomes by the client's policy) and catalogue, on the
 * test's virtual clock. `sla` adds what a test's checks need beyond the client's settings (paging).
 */
export function slaTestDeps(
  tables: TestTables,
  settings: ClientSettings,
  clock: { now(): Date },
  sla: Partial<Pick<SlaDeps, 'paging' | 'callCentreWebhooks'>> = {},
): { readonly incidentDeps: IncidentDeps; readonly slaDeps: SlaDeps } {
  const ids = { newId: () => randomUUID() };
  const policy = slaPolicyOf(settings);
  const audit = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock, ids });
  const incidents = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, audit, undefined, policy);
  const services = new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue);
  return {
    incidentDeps: {
      incidents,
      services,
      audit,
      clock,
      ids,
      rules: { matrix: settings.priorityMatrix, ...settings.priorityThresholds },
      settings: { clientId: settings.id, autoCloseAfter: settings.autoCloseAfter, contacts: settings.contacts },
    },
    slaDeps: { incidents, services, clock, policy, clientId: settings.id, contacts: settings.contacts, ...sla },
  };
}

/** The real SNS client on LocalSns, with the stack's topics. */
export function localSnsNotifier(sns: LocalSns): SnsNotifier {
  return new SnsNotifier(new SNSClient({ endpoint: sns.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), {
    'major-incident': TOPICS.majorIncident,
    escalation: TOPICS.escalation,
    security: TOPICS.security,
  });
}
