/**
 * Key layout of the incidents table: every key string and index name lives here.
 *
 * | item            | pk                      | sk          |
 * |-----------------|-------------------------|-------------|
 * | incident        | INCIDENT#<id>           | INCIDENT    |
 * | number counter  | COUNTER#INCIDENT-NUMBER | COUNTER     |
 *
 * Secondary indexes (all project every attribute, so one Query answers a list page):
 * | index       | partition                 | sort                          | serves                        |
 * |-------------|---------------------------|-------------------------------|-------------------------------|
 * | byNumber    | gsi1pk = NUMBER#INC…      | gsi1sk = INCIDENT             | GET /incidents/INC0000001     |
 * | byState     | gsi2pk = STATE#<state>    | gsi2sk = <priority>#<created>#<id> | queue: priority, then age |
 * | byService   | gsi3pk = SERVICE#<service>| gsi3sk = <created>#<id>       | ?service=                     |
 * | byPriority  | gsi4pk = PRIORITY#<P>     | gsi4sk = <created>#<id>       | ?priority=                    |
 * | byReporter  | gsi5pk = REPORTER#<name>  | gsi5sk = <created>#<id>       | a requester's own incidents   |
 * | byCreated   | gsi6pk = INCIDENTS        | gsi6sk = <created>#<id>       | unfiltered list, newest first |
 *
 * byCreated has one partition per client stack: a desk logs far fewer incidents per second than
 * the ~1,000 writes/s one index partition sustains.
 */
export const INCIDENTS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const INCIDENT_INDEXES = {
  byNumber: { name: 'byNumber', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byState: { name: 'byState', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byService: { name: 'byService', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byPriority: { name: 'byPriority', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  byReporter: { name: 'byReporter', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
  byCreated: { name: 'byCreated', partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
} as const;

export type IncidentIndexName = keyof typeof INCIDENT_INDEXES;

export const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT' });
export const incidentNumberCounterKey = { pk: 'COUNTER#INCIDENT-NUMBER', sk: 'COUNTER' } as const;

export const formatIncidentNumber = (sequence: number) => `INC${String(sequence).padStart(7, '0')}`;

export const incidentIndexKeys = (incident: {
  readonly id: string;
  readonly number: string;
  readonly state: string;
  readonly priority: string;
  readonly service: string;
  readonly reportedBy: string;
  readonly createdAt: string;
}) => {
  const createdThenId = `${incident.createdAt}#${incident.id}`;
  return {
    gsi1pk: `NUMBER#${incident.number}`,
    gsi1sk: 'INCIDENT',
    gsi2pk: `STATE#${incident.state}`,
    gsi2sk: `${incident.priority}#${createdThenId}`,
    gsi3pk: `SERVICE#${incident.service}`,
    gsi3sk: createdThenId,
    gsi4pk: `PRIORITY#${incident.priority}`,
    gsi4sk: createdThenId,
    gsi5pk: `REPORTER#${incident.reportedBy}`,
    gsi5sk: createdThenId,
    gsi6pk: 'INCIDENTS',
    gsi6sk: createdThenId,
  };
};

/** Attributes that exist only for the table's keys and indexes, never part of the entity. */
export const KEY_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  ...Object.values(INCIDENT_INDEXES).flatMap((i) => [i.partitionKey, i.sortKey]),
];
