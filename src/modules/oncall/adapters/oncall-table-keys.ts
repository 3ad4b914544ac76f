/**
 * Key layout of the on-call table (schedules and escalation policies): every key string lives
 * here; the stack builds the table from this module.
 *
 * | item              | pk        | sk             |
 * |-------------------|-----------|----------------|
 * | schedule          | SCHEDULES | SCHEDULE#<id>  |
 * | escalation policy | POLICIES  | POLICY#<id>    |
 * | directory person  | PEOPLE    | PERSON#<username> |
 *
 * One partition per kind: a client has tens of schedules and policies, changed a few times a
 * week, so listing them is one Query on a fixed partition (no Scan, no index), and reading one is
 * a GetItem. A schedule's overrides live in its item (bounded: MAX_OVERRIDES).
 */
export const ONCALL_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const SCHEDULES_PARTITION = 'SCHEDULES';
export const SCHEDULE_PREFIX = 'SCHEDULE#';
export const POLICIES_PARTITION = 'POLICIES';
export const POLICY_PREFIX = 'POLICY#';

export const PEOPLE_PARTITION = 'PEOPLE';
export const PERSON_PREFIX = 'PERSON#';

export const scheduleKey = (id: string) => ({ pk: SCHEDULES_PARTITION, sk: `${SCHEDULE_PREFIX}${id}` });
export const policyKey = (id: string) => ({ pk: POLICIES_PARTITION, sk: `${POLICY_PREFIX}${id}` });
export const personKey = (username: string) => ({ pk: PEOPLE_PARTITION, sk: `${PERSON_PREFIX}${username}` });

/** Attributes of an item that are keys, not the record. */
export const KEY_ATTRIBUTES: readonly string[] = ['pk', 'sk', 'kind'];
