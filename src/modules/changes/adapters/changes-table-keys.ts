import { CALENDAR_STATES, type ChangeState } from '../domain/change-lifecycle';
import { monthOf } from '../domain/change-calendar';

/**
 * Key layout of the changes table: every key string and index name lives here; the stack builds
 * the table and its indexes from this module.
 *
 * | item                       | pk                          | sk                           |
 * |----------------------------|-----------------------------|------------------------------|
 * | change                     | CHANGE#<id>                 | CHANGE                       |
 * | slot of a scheduled change | TARGET#service#<id> / TARGET#ci#<id> | <plannedStart>#<change id> |
 * | go-live milestone          | MILESTONE#<service id>      | <goLiveAt>#<change id>       |
 * | service request            | REQUEST#<id>                | REQUEST                      |
 * | request create quota       | QUOTA#<caller sub>          | request#<window start> (kernel/adapters/quota-counter.ts; TTL `expiresAt`) |
 *
 * A slot item per affected service and CI is written with the change when it is scheduled, so
 * "which changes on this service or CI overlap [start, end)" is one Query per target on the
 * sort key between start − 14 days (the longest change) and end, its plannedEnd checked after.
 *
 * Secondary indexes (all project every attribute):
 * | index           | partition                        | sort                       | serves                      |
 * |-----------------|----------------------------------|----------------------------|-----------------------------|
 * | byState         | gsi1pk = CHANGE-STATE#<state> / REQUEST-STATE#<state> | gsi1sk = <updatedAt>#<id> | changes or requests by state, newest first |
 * | byCalendarMonth | gsi2pk = CHANGE-MONTH#<YYYY-MM>  | gsi2sk = <plannedStart>#<id> | the change calendar (sparse: scheduled and later) |
 *
 * | byCreatedMonth  | gsi3pk = CREATED#<YYYY-MM>       | gsi3sk = <createdAt>#<id>  | requests and changes raised in a period (the ratio report) |
 *
 * byCalendarMonth is partitioned by the month of the planned start: a calendar range is one
 * Query per month, each on a sort-key range.
 */
export const CHANGES_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const CHANGE_INDEXES = {
  byState: { name: 'byState', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byCalendarMonth: { name: 'byCalendarMonth', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byCreatedMonth: { name: 'byCreatedMonth', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
} as const;

export const CHANGE_SK = 'CHANGE';

export type ChangeTarget = { readonly kind: 'service' | 'ci'; readonly id: string };

export const changeKey = (id: string) => ({ pk: `CHANGE#${id}`, sk: CHANGE_SK });
/** Change items' partitions, for grants scoped to them (IAM dynamodb:LeadingKeys). */
export const CHANGE_PARTITION_PATTERN = 'CHANGE#*';
export const targetPartition = (target: ChangeTarget) => `TARGET#${target.kind}#${target.id}`;
export const slotKey = (target: ChangeTarget, plannedStart: string, changeId: string) => ({
  pk: targetPartition(target),
  sk: `${plannedStart}#${changeId}`,
});
export const milestonePartition = (service: string) => `MILESTONE#${service}`;
export const milestoneKey = (service: string, at: string, changeId: string) => ({ pk: milestonePartition(service), sk: `${at}#${changeId}` });
export const calendarPartition = (month: string) => `CHANGE-MONTH#${month}`;

const createdKeys = (record: { readonly id: string; readonly createdAt: string }) => ({
  gsi3pk: `CREATED#${monthOf(record.createdAt)}`,
  gsi3sk: `${record.createdAt}#${record.id}`,
});
export const createdPartition = (month: string) => `CREATED#${month}`;

/** byState partitions, by state (also where the retention job finds closed changes and requests). */
export const changeStatePartition = (state: string) => `CHANGE-STATE#${state}`;
export const requestStatePartition = (state: string) => `REQUEST-STATE#${state}`;

export const changeIndexKeys = (change: { readonly id: string; readonly state: ChangeState; readonly updatedAt: string; readonly plannedStart: string; readonly createdAt: string }) => ({
  ...createdKeys(change),
  gsi1pk: changeStatePartition(change.state),
  gsi1sk: `${change.updatedAt}#${change.id}`,
  ...(CALENDAR_STATES.includes(change.state) && {
    gsi2pk: calendarPartition(monthOf(change.plannedStart)),
    gsi2sk: `${change.plannedStart}#${change.id}`,
  }),
});

/** Attributes that exist only for the table's keys and indexes, never part of an entity. */
export const KEY_ATTRIBUTES: readonly string[] = ['pk', 'sk', 'kind', ...Object.values(CHANGE_INDEXES).flatMap((i) => [i.partitionKey, i.sortKey])];

export const requestKey = (id: string) => ({ pk: `REQUEST#${id}`, sk: 'REQUEST' });
/** Partition keys of service requests, for IAM `dynamodb:LeadingKeys` conditions (grants on requests only). */
export const REQUEST_PARTITION_PATTERN = 'REQUEST#*';
export const requestIndexKeys = (request: { readonly id: string; readonly state: string; readonly updatedAt: string; readonly createdAt: string }) => ({
  ...createdKeys(request),
  gsi1pk: requestStatePartition(request.state),
  gsi1sk: `${request.updatedAt}#${request.id}`,
});
