import type { Notifier } from '../../../kernel/app/ports';
import type { Effect, OutboxEffect, PageWebhookPage } from '../domain/effects';
import type { OutboxStore } from './ports';

/** What delivers each kind of effect; each is idempotent for the same effect. */
export interface EffectDeliveryDeps {
  readonly outbox: OutboxStore;
  /** Starts the SLA workflow of a clock generation: the same generation twice starts one execution. */
  readonly slaScheduler: { start(run: { readonly incidentId: string; readonly generation: number }): Promise<void> };
  readonly notifier: Notifier;
  /**
   * Rebuilds and publishes the self-help site from the current published set. `storedAt`: when
   * the effect was stored; a publisher whose last rebuild started later may skip (it covered it).
   * @default no site: the effect has nothing to do
   */
  readonly selfHelpSite?: { publish(request: { readonly storedAt?: string; readonly trigger?: string; readonly incidentTrigger?: string }): Promise<unknown> };
  /**
   * Pushes an incident to the client's ServiceNow (src/modules/servicenow), where the client has the
   * integration; idempotent (it sends what differs from what the record already holds). Without it,
   * a servicenow-sync effect fails, so it stays in the outbox rather than being lost.
   */
  readonly servicenow?: {
    pushIncident(incidentId: string, change: { readonly version: number; readonly trigger: string }): Promise<void>;
    /** Mirrors a change awaiting (or given) the client's approval to its `change_request` there. */
    pushChange(changeId: string, version: number): Promise<void>;
    /** Publishes an article to (or retires it from) the client's knowledge base there, where the client publishes to it. */
    pushArticle(articleId: string, version: number): Promise<void>;
  };
  /**
   * Archives a GuardDuty finding (ArchiveFindings), where the client's monitoring.archiveFindingsOnClose
   * is on. Throws when GuardDuty could not do it now (the effect stays and is retried); resolves when
   * it was archived, or refused for good (reported by the adapter: no retry can change a refusal).
   * @default archiving off: the effect has nothing to do (the client switched it off after the close)
   */
  readonly findingArchiver?: { archive(finding: { readonly detectorId: string; readonly findingId: string }): Promise<void> };
  /**
   * Stores a resolution's knowledge draft if it is not stored yet, and audits it (src/modules/problems).
   * Without it, a draft-article effect fails, so it stays in the outbox rather than being lost.
   */
  readonly resolutionDrafts?: { record(effect: Extract<Effect, { kind: 'draft-article' }>): Promise<void> };
  /**
   * Calls a call centre's webhook (src/modules/oncall/adapters/call-centre-webhook.ts), signed, with
   * the effect id as its event id. Throws when a retry may succeed (the effect stays); answers
   * `refused` for a permanent refusal, which it counted (no retry can change it). Without it (the
   * client config names no signing key), a page-webhook effect fails, so it stays in the outbox.
   */
  readonly callCentre?: { send(request: { readonly eventId: string; readonly url: string; readonly page: PageWebhookPage }): Promise<'accepted' | 'refused'> };
}

export type DeliveryOutcome = 'delivered' | 'already-delivered';

/**
 * Delivers one outbox item, given its key (from the stream record). At least once: the item is
 * read first (consistently) and, once its effect is done, deleted, so a redelivered record whose
 * item is gone sends nothing again. The SLA start is idempotent by itself (the execution is named
 * after the generation). A notification is the one
 * effect a crash between its publish and the item's deletion can repeat (at-least-once).
 * Throws when the effect failed: the item stays, and the stream redelivers it.
 */
export async function deliverOutboxItem(deps: EffectDeliveryDeps, key: Readonly<Record<string, string>>): Promise<DeliveryOutcome> {
  const item = await deps.outbox.get(key);
  if (!item) return 'already-delivered';
  await deliverEffect(deps, item, item.createdAt);
  await deps.outbox.markDelivered(key);
  return 'delivered';
}

export async function deliverEffect(deps: EffectDeliveryDeps, { effectId, effect }: OutboxEffect, storedAt?: string): Promise<void> {
  switch (effect.kind) {
    case 'publish-site':
      await deps.selfHelpSite?.publish({
        ...(effect.articleId !== undefined && { trigger: effect.articleId }),
        ...(effect.incidentId !== undefined && { incidentTrigger: effect.incidentId }),
        ...(storedAt !== undefined && { storedAt }),
      });
      return;
    case 'sla-start':
      return deps.slaScheduler.start({ incidentId: effect.incidentId, generation: effect.generation });
    case 'notify':
      return deps.notifier.notify(effect.notification);
    case 'servicenow-sync':
      if (!deps.servicenow) throw new Error('This consumer has no ServiceNow client: the servicenow-sync effect stays in the outbox');
      return deps.servicenow.pushIncident(effect.incidentId, { version: effect.version, trigger: effect.trigger });
    case 'servicenow-change-sync':
      if (!deps.servicenow) throw new Error('This consumer has no ServiceNow client: the servicenow-change-sync effect stays in the outbox');
      return deps.servicenow.pushChange(effect.changeId, effect.version);
    case 'servicenow-kb-sync':
      if (!deps.servicenow) throw new Error('This consumer has no ServiceNow client: the servicenow-kb-sync effect stays in the outbox');
      return deps.servicenow.pushArticle(effect.articleId, effect.version);
    case 'archive-finding':
      await deps.findingArchiver?.archive({ detectorId: effect.detectorId, findingId: effect.findingId });
      return;
    case 'draft-article':
      if (!deps.resolutionDrafts) throw new Error('This consumer cannot store knowledge drafts: the draft-article effect stays in the outbox');
      return deps.resolutionDrafts.record(effect);
    case 'page-webhook':
      if (!deps.callCentre) throw new Error('This consumer has no call-centre signing key: the page-webhook effect stays in the outbox');
      await deps.callCentre.send({ eventId: effectId, url: effect.url, page: effect.page });
      return;
    default:
      throw new Error(`Unknown effect kind ${(effect as Effect).kind}`);
  }
}

/** One record of a stream batch, as the consumer sees it. */
export interface OutboxRecord {
  /** The record's sequence number: what a partial batch response names. */
  readonly sequenceNumber: string;
  readonly key: Readonly<Record<string, string>>;
}

export interface BatchOutcome {
  /**
   * The sequence number of the first record that failed, for the partial batch response (a stream
   * is retried from the lowest sequence number reported); empty when every record was delivered.
   */
  readonly failed: readonly string[];
  readonly delivered: number;
  readonly alreadyDelivered: number;
}

/**
 * What must be delivered in order: the effects of one resource (the `<resource id>` that starts the
 * effect id, after the item's `<createdAt>#` in its key), and every self-help site rebuild
 * together (each rebuilds the same site). Effects of different resources are independent.
 */
export function orderingKeyOf(key: Readonly<Record<string, string>>): string {
  const sortKey = key['sk'] ?? '';
  if (sortKey.endsWith('#publish-site')) return 'publish-site';
  const [, resource] = sortKey.split('#');
  return resource ?? sortKey;
}

/** Stream sequence numbers are decimal strings of up to 40 digits: compared as numbers. */
const bySequence = (a: OutboxRecord, b: OutboxRecord) =>
  a.sequenceNumber.length - b.sequenceNumber.length || (a.sequenceNumber < b.sequenceNumber ? -1 : a.sequenceNumber > b.sequenceNumber ? 1 : 0);

/**
 * Delivers a batch: the records of one resource one after another in stream order, different
 * resources side by side (every outbox item is on one partition, so one stream shard carries them
 * all, and a batch delivered record by record made the slowest effect call set the pace of every
 * other). At the first failure no further delivery starts (those under way finish), and the
 * undelivered record with the lowest sequence number is reported, failed or never started (a
 * resource's next record waits for the one before it, which may finish after another resource's
 * failure): the stream retries from there (partial batch response), and reporting a later record
 * would move the stream past one never delivered. Records before it, and delivered ones after it,
 * are not sent again: their items are gone. Stopping keeps a long outage from being hammered once
 * per record; at most one call per resource of the batch meets it.
 */
export async function deliverBatch(
  deps: EffectDeliveryDeps,
  records: readonly OutboxRecord[],
  onFailure?: (error: unknown, record: OutboxRecord) => void,
): Promise<BatchOutcome> {
  let delivered = 0;
  let alreadyDelivered = 0;
  let stopped = false;
  const done = new Set<OutboxRecord>();
  const inOrder = new Map<string, OutboxRecord[]>();
  for (const record of records) {
    const orderingKey = orderingKeyOf(record.key);
    inOrder.set(orderingKey, [...(inOrder.get(orderingKey) ?? []), record]);
  }
  await Promise.all(
    [...inOrder.values()].map(async (sequence) => {
      for (const record of sequence) {
        if (stopped) return;
        try {
          const outcome = await deliverOutboxItem(deps, record.key);
          if (outcome === 'delivered') delivered++;
          else alreadyDelivered++;
          done.add(record);
        } catch (error) {
          stopped = true;
          onFailure?.(error, record);
          return;
        }
      }
    }),
  );
  const first = records.filter((record) => !done.has(record)).sort(bySequence)[0];
  return { failed: first ? [first.sequenceNumber] : [], delivered, alreadyDelivered };
}
