/**
 * The incident's timeline: append-only entries for everything that happened to it. Comments are
 * visible to the reporter; work notes and internal changes are for the desk only.
 */
export const TIMELINE_ENTRY_TYPES = [
  'created',
  'comment',
  'work-note',
  'state-change',
  'priority-change',
  'assignment-change',
  'field-change',
  'escalation',
  'acknowledged',
  'sla-warning',
  'sla-breach',
  'major-incident',
  /** A notice sent to the client about a major incident (its communications log). */
  'communication',
  /** The disaster-recovery plan invoked (or not), or the service restored under it. */
  'disaster-recovery',
  /** The post-incident review opened, changed or completed; an overdue action escalated. */
  'review',
  'reopened',
  'closed',
] as const;
export type TimelineEntryType = (typeof TIMELINE_ENTRY_TYPES)[number];

export type Visibility = 'public' | 'internal';

export interface TimelineEntry {
  readonly type: TimelineEntryType;
  readonly at: string;
  /** Who did it: a user name, a machine client, or `system:<job>`. */
  readonly actor: string;
  readonly visibility: Visibility;
  readonly text?: string;
  readonly field?: string;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly reason?: string;
  /** Communications: the notice's subject, whom it went to (names) and its outbox item. */
  readonly subject?: string;
  readonly recipients?: readonly string[];
  readonly effect?: string;
}

/** Entries a reporter may see. */
export const isPublic = (entry: Pick<TimelineEntry, 'visibility'>) => entry.visibility === 'public';
