import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FunctionSettings } from '../../../config/client-settings-schema';
import { createNotifier } from '../../../platform/notifier-factory';
import { createFindingArchiver, createSlaScheduler } from '../../incidents/functions';
import { createSelfHelpSite, type SelfHelpSiteEnvironment } from '../../selfhelp/functions';
import { pushArticle, pushChange, pushIncident } from '../../servicenow/app';
import { recordResolutionDraft } from '../../problems/app';
import { DynamoDbResolutionDrafts } from '../../problems/adapters';
import type { KnowledgeArticle } from '../../problems/domain';
import { auditTrailOf } from '../../../platform/request-context';
import { createServiceNowPushDeps } from '../../servicenow/functions';
import { createCallCentreWebhook } from '../../oncall/functions';
import type { EffectDeliveryDeps } from '../app/deliver-effects';

/** What both outbox functions (the stream consumer and the reconciler) read to deliver effects. */
export interface EffectDeliveryEnvironment extends SelfHelpSiteEnvironment {
  readonly incidentsTable: string;
  readonly slaStateMachine: string;
  readonly majorIncidentTopic: string;
  readonly escalationTopic: string;
  readonly securityTopic: string;
  /** Where the client has ServiceNow: the changes mirrored there. */
  readonly changesTable?: string;
  /** Where resolution drafts are stored (draft-article effects); the self-help site reads it too. */
  readonly problemsTable: string;
}

/**
 * How each kind of effect is delivered, the same for the consumer and the reconciler (which
 * delivers what the stream left behind): the SLA workflow, the notifier, and the client's
 * self-help site, ServiceNow and GuardDuty finding archive where the client has them, and the
 * knowledge drafts of resolutions (the problems table, audited as their resolvers'), and the
 * call centres' webhooks of escalation steps where the client config names their signing key.
 */
export function createEffectDelivery(options: {
  readonly env: EffectDeliveryEnvironment;
  readonly documents: DynamoDBDocumentClient;
  readonly settings: FunctionSettings;
  readonly clock: { now(): Date };
  readonly observability: { readonly logger: Logger; readonly metrics: Metrics; readonly tracer: Tracer };
}): Omit<EffectDeliveryDeps, 'outbox'> {
  const { env, documents, settings, clock, observability } = options;
  const { tracer } = observability;
  const selfHelpSite = createSelfHelpSite({ env, documents, settings, clock, tracer });
  const servicenow = settings.integrations.servicenow?.enabled
    ? createServiceNowPushDeps({ settings: settings.integrations.servicenow, documents, incidentsTable: env.incidentsTable, changesTable: env.changesTable ?? '', problemsTable: env.problemsTable, clock, ids: { newId: () => randomUUID() }, tracer })
    : undefined;
  const findingArchiver = createFindingArchiver(settings, observability);
  const callCentre = createCallCentreWebhook({ settings, clock, observability });
  // An article kept from their knowledge base by the secret detector is said, not silent.
  const knowledgeMirror = servicenow?.knowledge && {
    ...servicenow.knowledge,
    onWithheld: ({ articleId, fields }: { readonly articleId: string; readonly fields: readonly string[] }) => {
      observability.logger.warn('Article withheld from the ServiceNow knowledge base: the secret detector flags it', { articleId, fields });
      observability.metrics.addMetric('KnowledgeWithheld', MetricUnit.Count, 1);
    },
  };
  const drafts = { drafts: new DynamoDbResolutionDrafts(documents, env.problemsTable, auditTrailOf({ documents, clock, ids: { newId: () => randomUUID() } })) };
  return {
    slaScheduler: createSlaScheduler(tracer, env.slaStateMachine),
    notifier: createNotifier({
      topics: { 'major-incident': env.majorIncidentTopic, escalation: env.escalationTopic, security: env.securityTopic },
      settings,
      clock,
      observability,
    }),
    ...(selfHelpSite && { selfHelpSite }),
    ...(findingArchiver && { findingArchiver }),
    ...(callCentre && { callCentre }),
    resolutionDrafts: { record: ({ article, actor }) => recordResolutionDraft(drafts, article as unknown as KnowledgeArticle, actor) },
    ...(servicenow && {
      servicenow: {
        pushIncident: (incidentId, change) => pushIncident(servicenow, incidentId, change),
        pushChange: (changeId, version) => pushChange(servicenow, changeId, version),
        // Without a knowledge base in the config (it was taken out since), there is nothing to publish there.
        pushArticle: async (articleId, version) => {
          if (knowledgeMirror) await pushArticle(knowledgeMirror, articleId, version);
        },
      },
    }),
  };
}
