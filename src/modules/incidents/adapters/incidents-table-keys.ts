/**
 * Key layout of the incidents table: every key string and index name lives here.
 *
 * | item            | pk                      | sk                                  |
 * |-----------------|-------------------------|-------------------------------------|
 * | incident        | INCIDENT#<id>           | INCIDENT                            |
 * | timeline entry  | INCIDENT#<id>           | TL#<at>#<version>#<n> (or #c<rand>) |
 * | number counter  | COUNTER#INCIDENT-NUMBER | COUNTER                             |
 * | create quota    | QUOTA#<caller sub>      | incident#<window start> (kernel/adapters/quota-counter.ts) |
 * | review action due | REVIEW-ACTIONS-DUE    | <due>#<incident id>#<action id>     |
 *
 * Review-action due markers: one per open, not yet escalated post-incident-review action, written
 * in the incident's own transaction; the overdue check is one Query (`sk < now`) on one small
 * partition. A marker that no longer applies (done, escalated, moved) is marked settled and left
 * to the TTL (the roles hold no DeleteItem).
 *
 * No secondary index projects every attribute: each write of an incident would rewrite every
 * index entry at the incident's full size (4 write units an index in a transaction). The list
 * indexes hold keys only: a list page is one Query for the keys, then the incidents by key (in
 * parallel, page order kept); an entry is written when the incident enters the list and never
 * rewritten while it stays. byStateBrief projects the few attributes its other readers take from
 * the index itself (the outbox reconciler: id, updatedAt, sla; the self-help site: id, major,
 * service; auto-close: resolvedAt; the retention job: pseudonymisedAt), under 1 KB, and moves with every state change anyway.
 * byNumber holds keys only: a lookup by number reads the item by key afterwards. "Open only"
 * indexes are sparse: their attributes are removed when the incident is resolved, so a queue reads
 * open work only. The open incidents on a service are counted by the service's backlog item
 * (report-aggregates.ts), written in the same transaction as every change, not by an index.
 *
 * A projection cannot change in place: the lean indexes have new names, on the same key
 * attributes as the ones they replace (RETIRED_INCIDENT_INDEXES), so DynamoDB fills them from the
 * items already there; docs/architecture.md, "Write units", says how a stack moves to them.
 *
 * | index          | partition                        | sort                          | serves                         |
 * |----------------|----------------------------------|-------------------------------|--------------------------------|
 * | byNumber       | gsi1pk = NUMBER#INC…             | gsi1sk = INCIDENT             | GET /incidents/INC0000001      |
 * | byStateBrief   | gsi2pk = STATE#<state>           | gsi2sk = <priority>#<created>#<id> | queue by state            |
 * | byServiceKeys  | gsi3pk = SERVICE#<service>       | gsi3sk = <priority>#<created>#<id> | service queue, all states |
 * | byReporterKeys | gsi5pk = REPORTER#<name>         | gsi5sk = <created>#<id>       | a requester's own incidents    |
 * | byCreatedKeys  | gsi6pk = INCIDENTS               | gsi6sk = <created>#<id>       | unfiltered list, newest first  |
 * | byAssigneeKeys | gsi7pk = ASSIGNEE#<name>         | gsi7sk = <priority>#<created>#<id> | my queue (open only)      |
 * | byGroupKeys    | gsi8pk = GROUP#<group>           | gsi8sk = <priority>#<created>#<id> | group queue (open only)   |
 *
 * byCreatedKeys has one partition per client stack: a desk logs far fewer incidents per second than
 * the ~1,000 writes/s one index partition sustains.
 */
import { movingIndexNames } from '../../../kernel/adapters/index-move';

export const INCIDENTS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** What byStateBrief's readers take from the index itself (see above). */
export const STATE_INDEX_ATTRIBUTES = ['id', 'updatedAt', 'sla', 'major', 'service', 'resolvedAt', 'pseudonymisedAt'] as const;

export const INCIDENT_INDEXES = {
  byNumber: { name: 'byNumber', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
  byState: { name: 'byStateBrief', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'INCLUDE', attributes: STATE_INDEX_ATTRIBUTES },
  byService: { name: 'byServiceKeys', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
  byReporter: { name: 'byReporterKeys', partitionKey: 'gsi5pk', sortKey: 'gsi5sk', projection: 'KEYS_ONLY' },
  byCreated: { name: 'byCreatedKeys', partitionKey: 'gsi6pk', sortKey: 'gsi6sk', projection: 'KEYS_ONLY' },
  byAssignee: { name: 'byAssigneeKeys', partitionKey: 'gsi7pk', sortKey: 'gsi7sk', projection: 'KEYS_ONLY' },
  byGroup: { name: 'byGroupKeys', partitionKey: 'gsi8pk', sortKey: 'gsi8sk', projection: 'KEYS_ONLY' },
} as const;

/**
 * Indexes still in the table that nothing writes or reads any more. byOpenService counted the open
 * incidents on a service; the service's backlog item does now (one GetItem, and two write units
 * less per create and per resolve). New incidents are not written to it, and an old one leaves it
 * when its item is next written whole. It stays in the table for one release, so that a stack
 * upgrading to this one never has functions querying an index that is being deleted (the table is
 * updated before the functions); the next release deletes it.
 */
export const UNUSED_INCIDENT_INDEXES = {
  byOpenService: { name: 'byOpenService', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'KEYS_ONLY' },
} as const;

/**
 * The indexes the lean ones replace (each projected every attribute), by the logical index that
 * replaces it: a stack created before them moves over in staged deploys (docs/architecture.md).
 */
export const RETIRED_INCIDENT_INDEXES = {
  byState: { name: 'byState', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byService: { name: 'byService', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byReporter: { name: 'byReporter', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
  byCreated: { name: 'byCreated', partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
  byAssignee: { name: 'byAssignee', partitionKey: 'gsi7pk', sortKey: 'gsi7sk' },
  byGroup: { name: 'byGroup', partitionKey: 'gsi8pk', sortKey: 'gsi8sk' },
} as const;

export type IncidentIndexName = keyof typeof INCIDENT_INDEXES;

/**
 * The index names a function that queries `index` is granted: its own, and the one it replaces
 * while the table still has it (`present`: the table's index names) — queryIncidentIndex asks that
 * one while the lean index is not there yet.
 */
export const incidentIndexNamesFor = (index: IncidentIndexName, present: readonly string[]): string[] => {
  const retired = (RETIRED_INCIDENT_INDEXES as Partial<Record<IncidentIndexName, { readonly name: string }>>)[index];
  return movingIndexNames({ name: INCIDENT_INDEXES[index].name, ...(retired && { retired }) }, present);
};

/** Partition keys of incidents (the incident and its timeline), for IAM `dynamodb:LeadingKeys` conditions. */
export const INCIDENT_PARTITION_PATTERN = 'INCIDENT#*';
export const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT' });
/** The incident id in an incident item's partition key (keys-only index entries carry nothing else). */
export const incidentIdOfKey = (pk: string): string | undefined => (pk.startsWith('INCIDENT#') ? pk.slice('INCIDENT#'.length) : undefined);
export const incidentNumberCounterKey = { pk: 'COUNTER#INCIDENT-NUMBER', sk: 'COUNTER' } as const;

/** Items the table's TTL removes carry this attribute (create-quota counters, ended ongoing-outage records). */
export { EXPIRY_ATTRIBUTE as QUOTA_EXPIRY_ATTRIBUTE } from '../../../kernel/adapters/quota-counter';

export const formatIncidentNumber = (sequence: number) => `INC${String(sequence).padStart(7, '0')}`;

export const TIMELINE_PREFIX = 'TL#';
export const timelineEntryKey = (incidentId: string, at: string, position: string) => ({
  pk: `INCIDENT#${incidentId}`,
  sk: `${TIMELINE_PREFIX}${at}#${position}`,
});

/** byCreated's one partition: every incident, by creation (also where the retention job finds closed ones). */
export const CREATED_PARTITION = 'INCIDENTS';

/** The priority and logging time a queue-order sort key (`<priority>#<created>#<id>`) holds. */
export function queueOrderParts(sortKey: string): { readonly priority: string; readonly createdAt: string; readonly id: string } | undefined {
  const match = /^([^#]+)#([^#]+)#([^#]+)$/.exec(sortKey);
  return match ? { priority: match[1]!, createdAt: match[2]!, id: match[3]! } : undefined;
}

export const incidentIndexKeys = (incident: {
  readonly id: string;
  readonly number: string;
  readonly state: string;
  readonly priority: string;
  readonly service: string;
  readonly reportedBy: string;
  readonly createdAt: string;
  readonly assignee?: string;
  readonly assignmentGroup?: string;
}) => {
  const createdThenId = `${incident.createdAt}#${incident.id}`;
  const queueOrder = `${incident.priority}#${createdThenId}`;
  const open = incident.state !== 'Resolved' && incident.state !== 'Closed' && incident.state !== 'Canceled';
  return {
    gsi1pk: `NUMBER#${incident.number}`,
    gsi1sk: 'INCIDENT',
    gsi2pk: `STATE#${incident.state}`,
    gsi2sk: queueOrder,
    gsi3pk: `SERVICE#${incident.service}`,
    gsi3sk: queueOrder,
    gsi5pk: `REPORTER#${incident.reportedBy}`,
    gsi5sk: createdThenId,
    gsi6pk: CREATED_PARTITION,
    gsi6sk: createdThenId,
    ...(open && incident.assignee && { gsi7pk: `ASSIGNEE#${incident.assignee}`, gsi7sk: queueOrder }),
    ...(open && incident.assignmentGroup && { gsi8pk: `GROUP#${incident.assignmentGroup}`, gsi8sk: queueOrder }),
  };
};

/** Attributes that exist only for the table's keys and indexes, never part of the entity. */
export const KEY_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  ...[...Object.values(INCIDENT_INDEXES), ...Object.values(UNUSED_INCIDENT_INDEXES)].flatMap((i) => [i.partitionKey, i.sortKey]),
];

/**
 * The open incident of a CloudWatch alarm: one lock item per alarm, created in the same
 * transaction as the incident, so concurrent ALARM events never open two. It names the incident;
 * once that incident is no longer open the lock is stale and is replaced (conditionally) with the
 * next incident's.
 * | item             | pk                | sk   |
 * |------------------|-------------------|------|
 * | alarm open lock  | ALARM#<alarmArn>  | OPEN |
 * | finding open lock| FINDING#<findingId> | OPEN |
 *
 * Security findings work the same way, one lock per finding (GuardDuty finding id, Inspector finding ARN).
 */
export const alarmLockKey = (alarmArn: string) => ({ pk: `ALARM#${alarmArn}`, sk: 'OPEN' });
export const findingLockKey = (findingId: string) => ({ pk: `FINDING#${findingId}`, sk: 'OPEN' });
export const monitoringLockKey = (lock: { readonly kind: 'alarm' | 'finding'; readonly id: string }) =>
  lock.kind === 'alarm' ? alarmLockKey(lock.id) : findingLockKey(lock.id);

export const REVIEW_ACTIONS_DUE_PARTITION = 'REVIEW-ACTIONS-DUE';
export const reviewActionDueKey = (marker: { readonly due: string; readonly incidentId: string; readonly actionId: string }) => ({
  pk: REVIEW_ACTIONS_DUE_PARTITION,
  sk: `${marker.due}#${marker.incidentId}#${marker.actionId}`,
});
