import type { Incident } from '../../incidents/domain';

/**
 * How an incident reads in the client's ServiceNow, and back: the client's maps (config
 * `integrations.servicenow`), each from our value to the value ServiceNow stores. Pure.
 */
export type Side = 'rowe-itsm' | 'servicenow';
export type Direction = 'out' | 'in' | 'both';

export interface ServiceNowMapping {
  readonly states: Readonly<Record<string, string>>;
  readonly impacts: Readonly<Record<string, string>>;
  readonly urgencies: Readonly<Record<string, string>>;
  readonly holdReasons: Readonly<Record<string, string>>;
  readonly closeCodes: Readonly<Record<string, string>>;
  readonly assignmentGroups: Readonly<Record<string, string>>;
  readonly customFields: readonly { readonly field: string; readonly ours: string; readonly direction: Direction; readonly owner: Side }[];
  /** Whose value wins for the standard fields when both sides changed one between two syncs. */
  readonly owner: Side;
}

/** A field exchanged: its ServiceNow name, which way it flows, and who wins a conflict on it. */
export interface ExchangedField {
  readonly name: string;
  readonly direction: Direction;
  readonly owner: Side;
}

/** Values of ServiceNow fields, every value a string (as the Table API has them). */
export type FieldValues = Readonly<Record<string, string>>;

const STANDARD_FIELDS = ['short_description', 'description', 'impact', 'urgency', 'state', 'hold_reason', 'close_code', 'close_notes', 'assignment_group'] as const;

export function exchangedFields(mapping: ServiceNowMapping): ExchangedField[] {
  return [
    ...STANDARD_FIELDS.map((name) => ({ name, direction: 'both' as const, owner: mapping.owner })),
    ...mapping.customFields.map((f) => ({ name: f.field, direction: f.direction, owner: f.owner })),
  ];
}

/**
 * Our incident in ServiceNow's terms. A field is left out where we have no value they could hold
 * (an assignment group with no sys_id in the map): it is then neither pushed nor compared.
 */
export function ourFieldsInTheirTerms(incident: Incident, mapping: ServiceNowMapping): Record<string, string> {
  const resolved = incident.state === 'Resolved' || incident.state === 'Closed';
  const fields: Record<string, string> = {
    short_description: incident.shortDescription,
    description: incident.description,
    impact: mapping.impacts[String(incident.impact)] ?? String(incident.impact),
    urgency: mapping.urgencies[String(incident.urgency)] ?? String(incident.urgency),
    state: mapping.states[incident.state] ?? '',
    hold_reason: incident.state === 'On Hold' && incident.onHoldReason ? (mapping.holdReasons[incident.onHoldReason] ?? '') : '',
    close_code: resolved && incident.resolutionCode ? (mapping.closeCodes[incident.resolutionCode] ?? '') : '',
    close_notes: resolved ? (incident.resolutionNotes ?? '') : '',
  };
  if (incident.assignmentGroup !== undefined && mapping.assignmentGroups[incident.assignmentGroup]) {
    fields['assignment_group'] = mapping.assignmentGroups[incident.assignmentGroup]!;
  }
  for (const custom of mapping.customFields) {
    const value = (incident as unknown as Record<string, unknown>)[custom.ours];
    fields[custom.field] = value === undefined || value === null ? '' : String(value);
  }
  return fields;
}

/** Their record's exchanged fields, as strings; reference fields may come as `{link, value}`. */
export function theirFields(record: Readonly<Record<string, unknown>>, fields: readonly ExchangedField[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { name } of fields) {
    const raw = record[name];
    values[name] = raw === undefined || raw === null ? '' : typeof raw === 'object' ? String((raw as { value?: unknown }).value ?? '') : String(raw);
  }
  return values;
}

export interface Conflict {
  readonly field: string;
  /** The side whose value was kept (the field's owner). */
  readonly kept: Side;
  readonly ours: string;
  readonly theirs: string;
}

export interface Reconciliation {
  /** Fields to write there (our value). */
  readonly toTheirs: Record<string, string>;
  /** Fields to apply here (their value). */
  readonly toOurs: Record<string, string>;
  /** Fields both sides hold the same value of. */
  readonly agreed: Record<string, string>;
  readonly conflicts: readonly Conflict[];
}

/**
 * A three-way comparison against `base`, the values both sides last agreed on: a field only one
 * side changed flows to the other (as its direction allows); a field both changed to different
 * values is a conflict, which the field's owner wins, the other value being reported, never
 * silently dropped. A field missing from `ours` (no mapped value) is left alone.
 */
export function reconcile(base: FieldValues, ours: FieldValues, theirs: FieldValues, fields: readonly ExchangedField[]): Reconciliation {
  const toTheirs: Record<string, string> = {};
  const toOurs: Record<string, string> = {};
  const agreed: Record<string, string> = {};
  const conflicts: Conflict[] = [];
  for (const { name, direction, owner } of fields) {
    const o = ours[name];
    const t = theirs[name] ?? '';
    if (o === undefined) continue;
    if (o === t) {
      agreed[name] = o;
      continue;
    }
    if (direction === 'out') {
      toTheirs[name] = o;
      continue;
    }
    if (direction === 'in') {
      toOurs[name] = t;
      continue;
    }
    const b = base[name];
    const oursChanged = o !== b;
    const theirsChanged = t !== b;
    if (oursChanged && !theirsChanged) toTheirs[name] = o;
    else if (theirsChanged && !oursChanged) toOurs[name] = t;
    else {
      conflicts.push({ field: name, kept: owner, ours: o, theirs: t });
      if (owner === 'rowe-itsm') toTheirs[name] = o;
      else toOurs[name] = t;
    }
  }
  return { toTheirs, toOurs, agreed, conflicts };
}

/** Journal rows we wrote start with this, so they are known on the way back. */
export const JOURNAL_MARKER = '[rowe-itsm]';

export const journalValueOf = (entry: { readonly actor: string; readonly text?: string }) => `${JOURNAL_MARKER} ${entry.actor}: ${entry.text ?? ''}`;

export const isOurJournalRow = (value: string) => value.startsWith(JOURNAL_MARKER);

const reverse = (map: Readonly<Record<string, string>>, value: string): string | undefined => Object.entries(map).find(([, theirs]) => theirs === value)?.[0];

/** One step through our use cases that applies their changes here. */
export type InboundStep =
  | { readonly kind: 'update'; readonly changes: Readonly<Record<string, unknown>> }
  | { readonly kind: 'reopen'; readonly reason: string }
  | { readonly kind: 'close' };

export interface InboundPlan {
  readonly steps: readonly InboundStep[];
  /** Their values we cannot hold (unmapped, or not a step of our lifecycle), by field. */
  readonly refused: readonly { readonly field: string; readonly value: string; readonly reason: string }[];
}

/**
 * Their changed fields (`toOurs`, with their full record for context) as steps of our lifecycle:
 * plain field changes, the state moves our lifecycle allows (a resolution from New or On Hold
 * starts work first; Resolved → In Progress is a reopen; Closed is the confirmation), with the
 * close code and notes of a resolution. What cannot be applied is listed, not guessed.
 */
export function planInbound(current: Incident, toOurs: FieldValues, theirs: FieldValues, mapping: ServiceNowMapping, recordNumber: string): InboundPlan {
  const refused: { field: string; value: string; reason: string }[] = [];
  const changes: Record<string, unknown> = {};
  const steps: InboundStep[] = [];
  const number = (field: string, map: Readonly<Record<string, string>>) => {
    const ours = reverse(map, toOurs[field]!);
    if (ours === undefined) refused.push({ field, value: toOurs[field]!, reason: `no ${field} of ours maps to "${toOurs[field]}"` });
    else changes[field] = Number(ours);
  };
  if ('short_description' in toOurs) changes['shortDescription'] = toOurs['short_description'];
  if ('description' in toOurs) changes['description'] = toOurs['description'];
  if ('impact' in toOurs) number('impact', mapping.impacts);
  if ('urgency' in toOurs) number('urgency', mapping.urgencies);
  if ('assignment_group' in toOurs) {
    const group = reverse(mapping.assignmentGroups, toOurs['assignment_group']!);
    if (group === undefined) refused.push({ field: 'assignment_group', value: toOurs['assignment_group']!, reason: 'the group is not in the assignment group map' });
    else changes['assignmentGroup'] = group;
  }
  for (const custom of mapping.customFields) {
    if (!(custom.field in toOurs)) continue;
    const value = toOurs[custom.field]!;
    if (custom.ours === 'usersAffected') {
      if (/^\d+$/.test(value)) changes['usersAffected'] = Number(value);
      else refused.push({ field: custom.field, value, reason: 'is not a whole number of users' });
    } else if (value !== '') changes[custom.ours] = value;
  }

  const target = 'state' in toOurs ? reverse(mapping.states, toOurs['state']!) : undefined;
  if ('state' in toOurs && target === undefined) refused.push({ field: 'state', value: toOurs['state']!, reason: 'no state of ours maps to it' });
  const holdReason = reverse(mapping.holdReasons, theirs['hold_reason'] ?? '');
  const resolution = () => ({
    resolutionCode: reverse(mapping.closeCodes, theirs['close_code'] ?? '') ?? 'Solved (permanently)',
    resolutionNotes: (theirs['close_notes'] ?? '').trim() || `Resolved in ServiceNow (${recordNumber})`,
  });
  let state = current.state;
  const fieldStep = () => (Object.keys(changes).length > 0 ? [{ kind: 'update' as const, changes: { ...changes } }] : []);
  if (target === undefined || target === state) {
    // On Hold already: a new hold reason is a field change.
    if (state === 'On Hold' && 'hold_reason' in toOurs && holdReason && holdReason !== current.onHoldReason) changes['onHoldReason'] = holdReason;
    return { steps: fieldStep(), refused };
  }
  // Reopening first: a resolved incident takes no field changes.
  if (state === 'Resolved' && (target === 'In Progress' || target === 'On Hold' || target === 'New')) {
    steps.push({ kind: 'reopen', reason: `Reopened in ServiceNow (${recordNumber})` });
    state = 'In Progress';
  }
  const move = (to: string, extra: Record<string, unknown> = {}) => {
    steps.push({ kind: 'update', changes: { ...changes, ...extra, state: to } });
    for (const key of Object.keys(changes)) delete changes[key];
    state = to as Incident['state'];
  };
  switch (target) {
    case 'In Progress':
      if (state !== 'In Progress') move('In Progress');
      break;
    case 'On Hold':
      if (state === 'New') move('In Progress');
      move('On Hold', { onHoldReason: holdReason ?? 'awaiting caller' });
      break;
    case 'Resolved':
    case 'Closed':
      if (state === 'New' || state === 'On Hold') move('In Progress');
      if (state === 'In Progress') move('Resolved', resolution());
      if (target === 'Closed' && state === 'Resolved') steps.push({ kind: 'close' });
      break;
    case 'Canceled':
      move('Canceled');
      break;
    default:
      refused.push({ field: 'state', value: toOurs['state']!, reason: `"${state}" → "${target}" is not a step of our lifecycle` });
  }
  return { steps: [...steps, ...fieldStep()], refused };
}

/** `YYYY-MM-DD HH:MM:SS` (ServiceNow's UTC date-time) ↔ an ISO instant. */
export const toServiceNowDateTime = (iso: string) => iso.slice(0, 19).replace('T', ' ');
export const fromServiceNowDateTime = (value: string) => `${value.replace(' ', 'T')}Z`;
