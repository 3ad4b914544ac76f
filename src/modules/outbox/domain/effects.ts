import type { Notification } from '../../../kernel/domain/notification';

/**
 * A side effect of a stored change: written as an outbox item in the change's own transaction,
 * delivered afterwards by the outbox consumer (the incidents table's stream). Each effect carries
 * everything its delivery needs, so delivery reads nothing of the change that caused it.
 */
export type Effect =
  /** Start the SLA workflow that drives one clock generation of an incident. */
  | { readonly kind: 'sla-start'; readonly incidentId: string; readonly generation: number }
  /** Tell people: an SNS topic (and the client's webhook, where the client has one). */
  | {
      readonly kind: 'notify';
      /** Tells this notification from the change's others, e.g. `major-incident`, `escalation`, an SLA notice's key. */
      readonly name: string;
      readonly notification: Notification;
    }
  /**
   * Rebuild the client's self-help site: an article it shows was published, changed or archived
   * (`articleId`), or a major incident opened or left open work, which changes its service's status
   * (`incidentId`). The rebuild reads the current published set and open major incidents, so any
   * delivery (or redelivery) of any of these effects brings the site up to date, and a rebuild that
   * started after this effect was stored covers it (the delivery skips it: debounced).
   */
  | { readonly kind: 'publish-site'; readonly articleId: string; readonly incidentId?: never }
  | { readonly kind: 'publish-site'; readonly incidentId: string; readonly articleId?: never }
  /**
   * Bring the client's ServiceNow record of an incident in step with it (src/modules/servicenow):
   * delivery pushes the incident's current mapped fields and new comments and work notes, so a
   * later effect of the same incident carries no less than an earlier one.
   */
  | {
      readonly kind: 'servicenow-sync';
      readonly incidentId: string;
      /** The incident's version the change stored: a push that already sent this version (or a later one) skips. */
      readonly version: number;
      /** Tells apart the syncs of one version: `change` for a new version, `entry#<at>` for a comment or work note appended to it. */
      readonly trigger: string;
    }
  /**
   * Mirror a change whose client approval is required to a `change_request` in the client's
   * ServiceNow (src/modules/servicenow): delivery pushes the change as it is now, so a later
   * effect of the same change carries no less than an earlier one.
   */
  | { readonly kind: 'servicenow-change-sync'; readonly changeId: string; readonly version: number }
  /**
   * Bring the client's ServiceNow knowledge base in step with an article its readers may see (or
   * saw, before this change): delivery reads the article as it is now and creates or updates its
   * `kb_knowledge` record (published, or retired when it left), so a later effect of the same
   * article carries no less than an earlier one, and one older than the last push skips.
   */
  | { readonly kind: 'servicenow-kb-sync'; readonly articleId: string; readonly version: number }
  /**
   * Archive the GuardDuty finding of an incident that was closed (monitoring.archiveFindingsOnClose):
   * ArchiveFindings of an archived finding archives nothing more, so a redelivery changes nothing.
   */
  | { readonly kind: 'archive-finding'; readonly incidentId: string; readonly detectorId: string; readonly findingId: string }
  /**
   * Store the knowledge draft of an incident's resolution (src/modules/problems): the article is made
   * with the resolution and carried whole, under an id that is the same for the same resolution, and
   * stored only if absent, so a redelivery stores (and audits) nothing twice.
   */
  | {
      readonly kind: 'draft-article';
      readonly incidentId: string;
      /** The draft as the problems module made it (`resolutionDraftOf`). */
      readonly article: { readonly id: string } & Readonly<Record<string, unknown>>;
      /** Who resolved: the draft's author on the audit trail. */
      readonly actor: { readonly id: string; readonly name: string; readonly roles?: readonly string[] };
    }
  /**
   * Call an escalation step's external webhook (a call centre): a signed HTTP POST of `page` to
   * `url`, whose event id header is the effect's id, so the receiver can drop a redelivery.
   */
  | {
      readonly kind: 'page-webhook';
      /** Tells the webhooks of one change apart: `<round/step key>#w<n>`, e.g. `r1s2#w1`. */
      readonly name: string;
      readonly url: string;
      /** The body's page, as the workflow made it (src/modules/incidents/app/sla-paging.ts). */
      readonly page: PageWebhookPage;
    };

/** What a call centre is told of a page: the incident, the step, who else is paged, how to acknowledge. */
export interface PageWebhookPage {
  readonly incident: {
    readonly id: string;
    readonly number: string;
    readonly priority: string;
    readonly shortDescription: string;
    readonly service: string;
  };
  readonly policy: { readonly id: string; readonly name: string };
  /** 1-based, as the desk shows them. */
  readonly step: number;
  readonly round: number;
  /** The people (and other call centres) paged by the same step. */
  readonly alsoPaged: readonly string[];
  readonly acknowledge: {
    readonly method: 'POST';
    /** The API route, relative to the desk's API. */
    readonly path: string;
    readonly before?: string;
  };
}

export type EffectKind = Effect['kind'];

/** An effect with its id: unique per effect of a change, the same for every delivery attempt. */
export interface OutboxEffect {
  /**
   * `<resource id>#v<version>#<kind>[#<detail>]`, e.g. `<incidentId>#v3#sla-start#g2` or
   * `<incidentId>#v5#notify#major-incident`: the change's version makes it unique (a version is
   * stored once), and every redelivery of the item carries the same id.
   */
  readonly effectId: string;
  readonly effect: Effect;
}

/** The outbox effects of one stored version of a resource (an incident). */
export function effectsOf(resourceId: string, version: number, effects: readonly Effect[]): OutboxEffect[] {
  const ids = effects.map((effect) => `${resourceId}#v${version}#${effectName(effect)}`);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`Two effects of one change share the id ${duplicate}`);
  return effects.map((effect, i) => ({ effectId: ids[i]!, effect }));
}

function effectName(effect: Effect): string {
  switch (effect.kind) {
    case 'sla-start':
      return `sla-start#g${effect.generation}`;
    case 'notify':
      return `notify#${effect.name}`;
    case 'publish-site':
      return 'publish-site';
    case 'servicenow-sync':
      return `servicenow-sync#${effect.trigger}`;
    case 'servicenow-change-sync':
      return 'servicenow-change-sync';
    case 'servicenow-kb-sync':
      return 'servicenow-kb-sync';
    case 'archive-finding':
      return 'archive-finding';
    case 'draft-article':
      return 'draft-article';
    case 'page-webhook':
      return `page-webhook#${effect.name}`;
  }
}
