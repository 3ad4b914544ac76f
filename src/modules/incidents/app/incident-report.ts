import type { Incident } from '../domain/incident';
import type { TimelineEntry } from '../domain/incident-timeline';
import { recoveryFigures, type ObjectiveFigure } from '../domain/major-incident';
import type { ReviewAction } from '../domain/post-incident-review';
import { outageOf } from '../domain/incident-aggregates';
import type { IncidentSlaView } from './sla-use-cases';
import type { LinkedProblem } from './ports';

/**
 * The standard incident report, built from the record and nothing typed again: summary, impact,
 * a timeline merged from the incident's own entries, its alarm and finding, its escalations and
 * the notices sent, root cause, disaster recovery, the post-incident review and its actions.
 * `client`: the version for the client (and what a requester reads), without work notes,
 * internal entries or the fields the access policy keeps for the desk. Pure.
 */
export type ReportAudience = 'desk' | 'client';

export interface ReportTimelineItem {
  readonly at: string;
  readonly source: 'incident' | 'alarm' | 'finding' | 'escalation' | 'communication';
  readonly type: string;
  readonly actor?: string;
  readonly text: string;
}

export interface IncidentReport {
  readonly audience: ReportAudience;
  readonly generatedAt: string;
  readonly summary: {
    readonly id: string;
    readonly number: string;
    readonly title: string;
    readonly description: string;
    readonly service: string;
    readonly category: string;
    readonly priority: string;
    readonly state: string;
    readonly major: boolean;
    readonly majorReason?: string;
    readonly security?: boolean;
    readonly reportedBy: string;
    readonly assignmentGroup?: string;
    readonly assignee?: string;
    readonly detectedAt: string;
    readonly resolvedAt?: string;
    readonly closedAt?: string;
    readonly resolutionCode?: string;
    readonly resolutionNotes?: string;
    readonly workaround?: string;
    readonly reopenCount: number;
  };
  readonly impact: {
    readonly services: readonly string[];
    readonly impact: number;
    readonly urgency: number;
    readonly usersAffected?: number;
    readonly outage?: { readonly start: string; readonly end?: string; readonly ongoing: boolean };
    readonly outageMinutes?: number;
    /** Outage minutes × users affected. */
    readonly userOutageMinutes?: number;
    readonly lostTransactions?: number;
    readonly sla: readonly {
      readonly target: string;
      readonly state: string;
      readonly targetMinutes: number;
      readonly dueAt?: string;
      readonly achievedAt?: string;
      readonly breachedAt?: string;
      readonly elapsedMinutes: number;
      readonly pausedMinutes: number;
    }[];
    /** Time the resolve clock stood paused (On Hold): not counted against the SLA. */
    readonly pausedMinutes: number;
  };
  readonly timeline: readonly ReportTimelineItem[];
  readonly rootCause: {
    readonly problems: readonly {
      readonly number: string;
      readonly title: string;
      readonly state: string;
      readonly resolution?: string;
      readonly knownError?: { readonly title: string; readonly rootCause: string; readonly workaround: string; readonly fixStatus: string };
    }[];
  };
  readonly disasterRecovery?: {
    readonly plan?: string;
    readonly source: 'service' | 'client';
    readonly invoked?: boolean;
    readonly decidedAt?: string;
    readonly decidedBy?: string;
    readonly reason?: string;
    readonly restoredAt?: string;
    readonly dataRestoredTo?: string;
    readonly rto: ObjectiveFigure;
    readonly rpo: ObjectiveFigure;
  };
  readonly communications: readonly { readonly at: string; readonly kind: string; readonly subject: string; readonly message: string; readonly recipients?: readonly string[] }[];
  readonly review?: {
    readonly status: string;
    readonly summary?: string;
    readonly findings: readonly string[];
    readonly openedAt: string;
    readonly completedAt?: string;
    readonly completedBy?: string;
  };
  readonly actions: readonly (Omit<ReviewAction, 'owner' | 'doneBy' | 'escalatedAt'> & { readonly owner?: string; readonly overdue: boolean })[];
}

const minutes = (ms: number) => Math.round(ms / 60_000);

function entryText(entry: TimelineEntry): string {
  const parts: string[] = [];
  switch (entry.type) {
    case 'state-change':
    case 'closed':
    case 'reopened':
      parts.push(`${String(entry.from ?? '')} → ${String(entry.to ?? '')}`);
      break;
    case 'priority-change':
      parts.push(`Priority ${String(entry.from)} → ${String(entry.to)}`);
      break;
    case 'field-change':
    case 'assignment-change':
      parts.push(`${entry.field}: ${entry.from === undefined ? '—' : JSON.stringify(entry.from)} → ${JSON.stringify(entry.to)}`);
      break;
    case 'escalation':
      parts.push(`Escalated ${String(entry.to)}`);
      break;
    case 'major-incident':
      parts.push('Declared a major incident');
      break;
    case 'communication':
      parts.push(`Sent "${entry.subject ?? ''}"`);
      break;
    default:
      break;
  }
  if (entry.text && entry.type !== 'communication') parts.push(entry.text);
  if (entry.reason) parts.push(entry.reason);
  return parts.join(': ') || entry.type;
}

export function buildIncidentReport(args: {
  readonly incident: Incident;
  /** The incident's timeline entries the audience may read, oldest first. */
  readonly entries: readonly TimelineEntry[];
  readonly sla: IncidentSlaView;
  readonly problems: readonly LinkedProblem[];
  readonly audience: ReportAudience;
  readonly now: string;
}): IncidentReport {
  const { incident, audience, now } = args;
  const desk = audience === 'desk';
  const outage = outageOf(incident);
  const outageMinutes = outage ? minutes(Date.parse(outage.end ?? now) - Date.parse(outage.start)) : undefined;
  const resolve = args.sla.targets.find((t) => t.target === 'resolve');

  const timeline: ReportTimelineItem[] = [];
  // The record's own entries; the first one (logging) is derived from the incident, as GET …/timeline does.
  timeline.push({ at: incident.createdAt, source: 'incident', type: 'created', actor: incident.recordedBy, text: `Logged via ${incident.channel} as ${incident.priority}` });
  for (const entry of args.entries) {
    if (entry.type === 'created') continue;
    const source = entry.type === 'escalation' ? 'escalation' : entry.type === 'communication' ? 'communication' : 'incident';
    timeline.push({ at: entry.at, source, type: entry.type, actor: entry.actor, text: entryText(entry) });
  }
  // The alarm's state changes and the finding are facts of the record, not timeline entries.
  if (incident.alarm) {
    // Every recorded change flips the state, and the last one is the current state: counted back from it.
    const { changes, state, severity } = incident.alarm;
    changes.forEach((at, i) => {
      const flips = changes.length - 1 - i;
      const then = flips % 2 === 0 ? state : state === 'ALARM' ? 'OK' : 'ALARM';
      timeline.push({ at, source: 'alarm', type: 'alarm-state', text: `Alarm ${then} (${severity})` });
    });
    if (incident.alarm.promotedAt) timeline.push({ at: incident.alarm.promotedAt, source: 'alarm', type: 'alarm-promoted', text: 'Persisting warning promoted to an error' });
  }
  if (incident.findingId && desk) timeline.push({ at: incident.detectedAt, source: 'finding', type: 'finding', text: `Security finding ${incident.findingId}` });
  else if (incident.security) timeline.push({ at: incident.detectedAt, source: 'finding', type: 'finding', text: 'Security finding reported' });
  if (outage) {
    timeline.push({ at: outage.start, source: 'incident', type: 'outage-start', text: `Outage of ${incident.service} began` });
    if (outage.end) timeline.push({ at: outage.end, source: 'incident', type: 'outage-end', text: `Outage of ${incident.service} ended` });
  }
  const order: Record<ReportTimelineItem['source'], number> = { alarm: 0, finding: 1, incident: 2, escalation: 3, communication: 4 };
  timeline.sort((a, b) => a.at.localeCompare(b.at) || order[a.source] - order[b.source]);

  const dr = incident.disasterRecovery;
  const figures = recoveryFigures(incident);
  const review = incident.review;
  const showReview = review !== undefined && (desk || review.status === 'completed');
  return {
    audience,
    generatedAt: now,
    summary: {
      id: incident.id,
      number: incident.number,
      title: incident.shortDescription,
      description: incident.description,
      service: incident.service,
      category: incident.category,
      priority: incident.priority,
      state: incident.state,
      major: incident.major,
      ...(desk && incident.majorReason && { majorReason: incident.majorReason }),
      ...(incident.security && { security: true }),
      reportedBy: incident.reportedBy,
      ...(incident.assignmentGroup && { assignmentGroup: incident.assignmentGroup }),
      ...(incident.assignee && { assignee: incident.assignee }),
      detectedAt: incident.detectedAt,
      ...(incident.resolvedAt && { resolvedAt: incident.resolvedAt }),
      ...(incident.closedAt && { closedAt: incident.closedAt }),
      ...(incident.resolutionCode && { resolutionCode: incident.resolutionCode }),
      ...(incident.resolutionNotes && { resolutionNotes: incident.resolutionNotes }),
      ...(incident.workaround && { workaround: incident.workaround }),
      reopenCount: incident.reopenCount,
    },
    impact: {
      services: [incident.service],
      impact: incident.impact,
      urgency: incident.urgency,
      ...(incident.usersAffected !== undefined && { usersAffected: incident.usersAffected }),
      ...(outage && { outage: { start: outage.start, ...(outage.end && { end: outage.end }), ongoing: outage.end === undefined } }),
      ...(outageMinutes !== undefined && { outageMinutes }),
      ...(outageMinutes !== undefined && incident.usersAffected !== undefined && { userOutageMinutes: outageMinutes * incident.usersAffected }),
      ...(outage?.lostTransactions !== undefined && { lostTransactions: outage.lostTransactions }),
      sla: args.sla.targets.map((t) => ({
        target: t.target,
        state: t.state,
        targetMinutes: minutes(t.targetMs),
        ...(t.dueAt && { dueAt: t.dueAt }),
        ...(t.achievedAt && { achievedAt: t.achievedAt }),
        ...(t.breachedAt && { breachedAt: t.breachedAt }),
        elapsedMinutes: minutes(t.elapsedBusinessMs),
        pausedMinutes: minutes(t.pausedMs),
      })),
      pausedMinutes: minutes(resolve?.pausedMs ?? 0),
    },
    timeline,
    rootCause: {
      problems: args.problems.map((p) => ({
        number: p.number,
        title: p.title,
        state: p.state,
        ...(p.resolution && { resolution: p.resolution }),
        // Known errors are the desk's (a requester's suggestions hold published articles only).
        ...(desk && p.knownError && { knownError: { title: p.knownError.title, rootCause: p.knownError.rootCause, workaround: p.knownError.workaround, fixStatus: p.knownError.fixStatus } }),
      })),
    },
    ...(dr && {
      disasterRecovery: {
        // The plan's reference and the decision's reason are internal fields of the incident.
        ...(desk && { plan: dr.plan }),
        source: dr.source,
        ...(dr.decision && { invoked: dr.decision.invoked, decidedAt: dr.decision.at, ...(desk && { decidedBy: dr.decision.by, reason: dr.decision.reason }) }),
        ...(dr.recovery && { restoredAt: dr.recovery.restoredAt, ...(dr.recovery.dataRestoredTo && { dataRestoredTo: dr.recovery.dataRestoredTo }) }),
        rto: figures.rto,
        rpo: figures.rpo,
      },
    }),
    communications: args.entries
      .filter((e) => e.type === 'communication')
      .map((e) => ({ at: e.at, kind: e.field ?? 'update', subject: e.subject ?? '', message: e.text ?? '', ...(desk && e.recipients && { recipients: e.recipients }) })),
    ...(showReview && {
      review: {
        status: review.status,
        ...(review.summary && { summary: review.summary }),
        findings: review.findings,
        openedAt: review.openedAt,
        ...(review.completedAt && { completedAt: review.completedAt, ...(desk && { completedBy: review.completedBy }) }),
      },
    }),
    actions: showReview
      ? review.actions.map(({ owner, doneBy: _doneBy, escalatedAt: _escalatedAt, ...action }) => ({
          ...action,
          ...(desk && { owner }),
          overdue: action.status === 'open' && action.due < now,
        }))
      : [],
  };
}
