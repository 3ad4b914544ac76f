import type { Incident, IncidentChange } from '../domain/incident';
import { communicationEntry, type CommunicationKind } from '../domain/major-incident';
import { effectsOf, type Effect, type OutboxEffect } from '../../outbox/domain';
import type { TimelineEntry } from '../domain/incident-timeline';
import type { Service } from '../../catalogue/domain';
import { escalationContacts, providerContacts } from '../../catalogue/domain';
import type { ContactRef, Notification } from '../../../kernel/app/ports';
import type { IncidentDeps } from './incident-use-cases';

/**
 * What a major incident tells the client (ServiceNow MIM communications): the declaration, the
 * desk's updates and the resolution, each to the service's nominated contacts and the provider's
 * named contact and backup (the client's defaults where the service names none).
 *
 * The desk's updates are public entries (written for the client); the declaration and resolution
 * notices, composed from internal fields, are internal entries (the desk's report lists them).
 * The communications log records a notice when it is *enqueued*: its `communication` timeline
 * entry is written in the same transaction as the notice's outbox item, and names that item. The
 * log therefore lists exactly the notices the outbox delivers (it retries until delivered, and its
 * failures alarm), never one that was not stored nor misses one that was; the time it gives is when
 * the notice was issued, which is what the client is told it was sent at, seconds before delivery.
 */
export function majorIncidentRecipients(deps: Pick<IncidentDeps, 'settings'>, service: Service | undefined): ContactRef[] {
  const { contacts } = deps.settings;
  const provider = providerContacts(service, contacts);
  const nominated = escalationContacts(service, contacts).filter((c) => c.role !== 'service-owner').map((c) => c.contact);
  return [...nominated, provider.named, provider.backup];
}

/** The notice of a major incident's declaration, addressed before the change is stored (it is stored with it). */
export function majorIncidentNotification(deps: Pick<IncidentDeps, 'settings'>, incident: Incident, service: Service | undefined): Notification {
  return {
    topic: 'major-incident',
    subject: `MAJOR INCIDENT ${incident.number} [${incident.priority}]: ${incident.shortDescription}`,
    message: [
      `${incident.number} on service ${incident.service} has been declared a major incident: ${incident.majorReason}.`,
      incident.disasterRecoveryPlan ? `Disaster-recovery plan: ${incident.disasterRecoveryPlan}.` : 'No disaster-recovery plan is on record.',
      `Current state: ${incident.state}; assigned to ${incident.assignee ?? incident.assignmentGroup ?? 'nobody yet'}.`,
    ].join('\n'),
    recipients: majorIncidentRecipients(deps, service),
    attributes: { priority: incident.priority, client: deps.settings.clientId, level: 'major' },
  };
}

type CommunicationNotice = { readonly kind: CommunicationKind; readonly name: string; readonly notification: Notification };

/**
 * A notice to the client about a major incident, as the outbox effect and the communications-log
 * entry that names it, added to a change (the change's version names the effect).
 */
export function withCommunication(change: IncidentChange, notice: CommunicationNotice, actor: string): { readonly change: IncidentChange; readonly effect: Effect } {
  const { entry, effect } = communicationOf(change.incident, notice, actor, change.incident.updatedAt);
  return { change: { ...change, entries: [...change.entries, entry] }, effect: effect.effect };
}

/**
 * A notice as the communications-log entry and the outbox effect it names, for the incident's
 * `version` as it stands: appended beside a comment, the notice moves no version (its `name` must
 * then tell it from the version's other notices).
 */
export function communicationOf(
  incident: Pick<Incident, 'id' | 'version'>,
  notice: CommunicationNotice,
  actor: string,
  at: string,
): { readonly entry: TimelineEntry; readonly effect: OutboxEffect } {
  const [effect] = effectsOf(incident.id, incident.version, [{ kind: 'notify', name: notice.name, notification: notice.notification }]);
  const entry = communicationEntry(
    { kind: notice.kind, visibility: notice.kind === 'update' ? 'public' : 'internal', subject: notice.notification.subject, message: notice.notification.message, recipients: notice.notification.recipients, effect: effect!.effectId },
    actor,
    at,
  );
  return { entry, effect: effect! };
}

/** The notices a change of a major incident sends the client: on declaration, and on resolution. */
export async function majorIncidentNotices(
  deps: Pick<IncidentDeps, 'settings' | 'services'>,
  current: Incident,
  change: IncidentChange,
  service: Service | undefined,
  actor: string,
): Promise<{ readonly change: IncidentChange; readonly effects: Effect[] }> {
  const next = change.incident;
  if (next.major && !current.major) {
    const sent = withCommunication(change, { kind: 'declared', name: 'major-incident', notification: majorIncidentNotification(deps, next, service) }, actor);
    return { change: sent.change, effects: [sent.effect] };
  }
  if (next.major && next.state === 'Resolved' && current.state !== 'Resolved') {
    // A failed look-up must not stop the resolution: the client's contacts then.
    const known = service ?? (await deps.services.getService(next.service).catch(() => undefined));
    const notification: Notification = {
      topic: 'major-incident',
      subject: `RESOLVED: MAJOR INCIDENT ${next.number} [${next.priority}]: ${next.shortDescription}`,
      message: [`${next.number} on service ${next.service} was resolved at ${next.resolvedAt}.`, `Resolution: ${next.resolutionCode ?? ''} — ${next.resolutionNotes ?? ''}`.trim(), 'A post-incident review follows.'].join('\n'),
      recipients: majorIncidentRecipients(deps, known),
      attributes: { priority: next.priority, client: deps.settings.clientId, level: 'major' },
    };
    const sent = withCommunication(change, { kind: 'resolved', name: 'major-incident-resolved', notification }, actor);
    return { change: sent.change, effects: [sent.effect] };
  }
  return { change, effects: [] };
}
