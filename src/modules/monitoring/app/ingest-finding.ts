import { openIncident, resolveAutomatically, type Incident, type IncidentChange } from '../../incidents/domain';
import { recordSlaFacts } from '../../incidents/domain';
import { securityNoticeEffects, withSlaFacts } from '../../incidents/app';
import { isOpen } from '../../incidents/domain';
import type { TimelineEntry } from '../../incidents/domain';
import type { Priority } from '../../../kernel/domain/priority';
import {
  findingImpactAndUrgency,
  guardDutySeverity,
  inspectorSeverity,
  isHigherPriority,
  REMEDIATED_RESOLUTION_CODE,
  type FindingPriorities,
  type FindingSeverity,
} from '../domain/finding-policy';
import type { GuardDutyFindingEvent, Inspector2FindingEvent } from '../schemas/event-rules';
import { findingEventSeverity } from '../domain/alarm-policy';
import { changeEffects, MONITORING_ACTOR, type IngestEventDeps, type IngestOutcome } from './ingest-event';
import type { ContactRef } from '../../../kernel/app/ports';
import type { MonitoringLock } from './ports';
import { incidentChangeEntry } from '../../audit/app';
import type { AuditEntry } from '../../../kernel/domain/audit-chain';

export interface IngestFindingDeps extends IngestEventDeps {
  readonly findingPriorities: FindingPriorities;
  /** contacts.security, else nominated contact #1: told of each security incident opened (an outbox effect). */
  readonly securityContact: ContactRef;
  /** The provider's Information Security Manager: told of each security incident opened too. */
  readonly informationSecurityManager?: ContactRef;
  readonly clientId: string;
}

/** A GuardDuty or Inspector finding, reduced to what ingestion decides on. */
export interface SecurityFinding {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly product: 'GuardDuty' | 'Inspector';
  /** GuardDuty finding id, or Inspector finding ARN: one open incident each. */
  readonly findingId: string;
  readonly title: string;
  readonly description: string;
  readonly account: string;
  readonly region: string;
  readonly time: string;
  /** As the product reports it, e.g. "8.5" or "HIGH". */
  readonly reportedSeverity: string;
  /** Undefined: recorded only (Inspector INFORMATIONAL / UNTRIAGED). */
  readonly severity: FindingSeverity | undefined;
  readonly status: 'active' | 'closed' | 'suppressed';
  readonly count?: number;
  readonly updatedAt?: string;
  /** GuardDuty: the detector that reported the finding (ArchiveFindings needs it with the finding id). */
  readonly detectorId?: string;
  /** The event's detail as received, kept with the event record. */
  readonly detail: unknown;
}

export function fromGuardDuty(event: GuardDutyFindingEvent): SecurityFinding {
  const { detail } = event;
  return {
    eventId: event.id,
    source: event.source,
    detailType: event['detail-type'],
    product: 'GuardDuty',
    findingId: detail.id,
    title: detail.title ?? detail.type,
    description: detail.description ?? detail.type,
    account: event.account,
    region: event.region,
    time: event.time,
    reportedSeverity: String(detail.severity),
    severity: guardDutySeverity(detail.severity),
    status: 'active',
    ...(detail.service?.count !== undefined && { count: detail.service.count }),
    ...(detail.service?.detectorId !== undefined && { detectorId: detail.service.detectorId }),
    ...(detail.updatedAt !== undefined && { updatedAt: detail.updatedAt }),
    detail,
  };
}

export function fromInspector(event: Inspector2FindingEvent): SecurityFinding {
  const { detail } = event;
  return {
    eventId: event.id,
    source: event.source,
    detailType: event['detail-type'],
    product: 'Inspector',
    findingId: detail.findingArn,
    title: detail.title ?? detail.type ?? 'Inspector finding',
    description: detail.description ?? detail.title ?? 'Inspector finding',
    account: event.account,
    region: event.region,
    time: event.time,
    reportedSeverity: detail.severity,
    severity: inspectorSeverity(detail.severity),
    status: detail.status === 'CLOSED' ? 'closed' : detail.status === 'SUPPRESSED' ? 'suppressed' : 'active',
    ...(detail.updatedAt !== undefined && { updatedAt: detail.updatedAt }),
    detail,
  };
}

const MAX_ATTEMPTS = 6;

/**
 * Turns one security finding event into incident work, exactly once per event id: an active
 * finding opens the finding's incident (security, priority from monitoring.findingPriorities,
 * the security contact notified) or, re-published, adds a timeline entry to the open one and may
 * raise (never lower) its priority; a closed Inspector finding resolves it as Remediated; a
 * suppressed or informational finding is recorded only.
 */
export async function ingestSecurityFinding(deps: IngestFindingDeps, finding: SecurityFinding): Promise<IngestOutcome> {
  const now = deps.clock.now().toISOString();
  const lock: MonitoringLock = { kind: 'finding', id: finding.findingId };
  const base = {
    eventId: finding.eventId,
    source: finding.source,
    detailType: finding.detailType,
    resource: finding.findingId,
    state: finding.status === 'active' ? finding.reportedSeverity : finding.status.toUpperCase(),
    receivedAt: now,
    severity: findingEventSeverity(finding.severity, finding.status),
    time: finding.time,
    detail: finding.detail,
  };
  const recordOnly = async (why: string): Promise<IngestOutcome> => {
    const fresh = await deps.events.record({ ...base, outcome: 'recorded' });
    return fresh ? { outcome: 'recorded', why } : { outcome: 'duplicate' };
  };
  const label = `${finding.product} finding ${finding.title}`;
  // Stored in the change's own transaction, under the event's id.
  const audit = (before: Incident | undefined, after: Incident, action: string): AuditEntry => ({
    ...incidentChangeEntry(MONITORING_ACTOR, action, before, after),
    requestId: finding.eventId,
  });

  if (finding.status === 'suppressed') return recordOnly('suppressed finding');

  if (finding.status === 'closed') {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const held = await deps.events.openLock(lock);
      if (!held) break;
      const incident = await deps.incidents.get(held.incidentId);
      if (!incident || !isOpen(incident.state)) break;
      const change = remediated(deps, incident, `${label} was closed by ${finding.product}: remediated.`, now);
      const result = await deps.events.saveLockedIncident({
        record: { ...base, outcome: 'resolved', incidentId: incident.id },
        lock,
        change,
        previous: incident,
        expectedVersion: incident.version,
        audit: audit(incident, change.incident, 'incident:resolve'),
        effects: changeEffects(incident, change.incident),
      });
      if (result === 'saved') return { outcome: 'resolved', incidentId: incident.id };
      if (result === 'duplicate-event') return { outcome: 'duplicate' };
    }
    return recordOnly('no open incident for the finding');
  }

  if (!finding.severity) return recordOnly(`${finding.reportedSeverity.toLowerCase()} finding`);
  const priority = deps.findingPriorities[finding.severity];
  const priorityReason = `${finding.product} severity ${finding.reportedSeverity} (${finding.severity}) → ${priority} (monitoring.findingPriorities)`;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const held = await deps.events.openLock(lock);
    const current = held && (await deps.incidents.get(held.incidentId));
    if (current && isOpen(current.state)) {
      const change = withSlaFacts(current, republished(current, finding, priority, priorityReason, now), now, false);
      const result = await deps.events.saveLockedIncident({
        record: { ...base, outcome: 'attached', incidentId: current.id },
        lock,
        change,
        previous: current,
        expectedVersion: current.version,
        audit: audit(current, change.incident, 'incident:finding-republished'),
        effects: changeEffects(current, change.incident),
      });
      if (result === 'saved') return { outcome: 'attached', incidentId: current.id };
      if (result === 'duplicate-event') return { outcome: 'duplicate' };
      continue; // the incident changed meanwhile: read it again
    }
    const number = await deps.incidents.allocateNumber();
    const opened = openIncident({
      id: deps.ids.newId(),
      number,
      input: {
        shortDescription: `${label}`.slice(0, 160),
        description: [
          finding.description,
          '',
          `Finding: ${finding.findingId}`,
          `Account ${finding.account}, region ${finding.region}; severity ${finding.reportedSeverity} (${finding.severity}).`,
        ].join('\n'),
        ...findingImpactAndUrgency(priority),
        service: deps.policy.defaultService,
        category: 'security',
        subcategory: finding.product.toLowerCase(),
        channel: 'monitoring',
        reportedBy: MONITORING_ACTOR.name,
        detectedAt: new Date(Math.min(Date.parse(finding.time), Date.parse(now))).toISOString(),
      },
      rules: deps.rules,
      recordedBy: MONITORING_ACTOR,
      now,
    });
    const incident: Incident = recordSlaFacts(undefined, {
      ...opened.incident,
      priority,
      priorityReasons: [priorityReason],
      security: true,
      findingId: finding.findingId,
      ...(finding.detectorId && { guardDutyDetectorId: finding.detectorId }),
      occurrenceCount: 1,
    }, now, false);
    const result = await deps.events.openLockedIncident({
      record: { ...base, outcome: 'opened', incidentId: incident.id },
      lock,
      change: { incident, entries: opened.entries },
      ...(held && { staleIncidentId: held.incidentId }),
      audit: audit(undefined, incident, 'incident:create'),
      effects: changeEffects(undefined, incident, securityNotices(deps, incident, finding)),
    });
    if (result === 'opened') return { outcome: 'opened', incidentId: incident.id };
    if (result === 'duplicate-event') return { outcome: 'duplicate' };
    // lock-taken: another event for this finding won; update its incident on the next pass.
  }
  throw new Error(`Event ${finding.eventId}: finding ${finding.findingId} kept changing hands after ${MAX_ATTEMPTS} attempts`);
}

/** The open incident's next version for a re-published finding: a timeline entry, the priority raised (never lowered). */
function republished(incident: Incident, finding: SecurityFinding, priority: Priority, reason: string, now: string): IncidentChange {
  const stamp = { at: now, actor: MONITORING_ACTOR.name };
  const details = [
    finding.count !== undefined && `count ${finding.count}`,
    finding.updatedAt && `updated ${finding.updatedAt}`,
    `severity ${finding.reportedSeverity} (${finding.severity})`,
  ].filter(Boolean);
  const entries: TimelineEntry[] = [
    { type: 'work-note', ...stamp, visibility: 'internal', text: `${finding.product} re-published the finding: ${details.join(', ')}` },
  ];
  const raise = isHigherPriority(priority, incident.priority);
  if (raise) {
    entries.push({ type: 'priority-change', ...stamp, visibility: 'public', from: incident.priority, to: priority, reason });
  }
  const next: Incident = {
    ...incident,
    ...(raise && { priority, priorityReasons: [...incident.priorityReasons, reason] }),
    occurrenceCount: (incident.occurrenceCount ?? 1) + 1,
    updatedAt: now,
    updatedBy: MONITORING_ACTOR.name,
    version: incident.version + 1,
  };
  return { incident: next, entries };
}

/** Resolves the finding's incident as Remediated, starting work first where the lifecycle requires it. */
function remediated(deps: IngestEventDeps, incident: Incident, notes: string, now: string): IncidentChange {
  return withSlaFacts(incident, resolveAutomatically({ incident, resolutionCode: REMEDIATED_RESOLUTION_CODE, resolutionNotes: notes, rules: deps.rules, actor: MONITORING_ACTOR, now }), now, false);
}

/** The notices of a new security incident (the client's security contact, the provider's ISM), stored with the incident. */
function securityNotices(deps: IngestFindingDeps, incident: Incident, finding: SecurityFinding) {
  const audience = { clientId: deps.clientId, securityContact: deps.securityContact, ...(deps.informationSecurityManager && { informationSecurityManager: deps.informationSecurityManager }) };
  return securityNoticeEffects(audience, incident, {
    source: finding.product.toLowerCase(),
    subject: finding.title,
    text: `${incident.number} was opened from ${finding.product} finding ${finding.findingId} (severity ${finding.reportedSeverity}, ${finding.severity}).`,
    details: [`Account ${finding.account}, region ${finding.region}.`, finding.description],
  });
}
