import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentChange } from '../../src/modules/incidents/domain/incident';
import type { TimelineEntry } from '../../src/modules/incidents/domain/incident-timeline';
import { DEFAULT_PRIORITY_MATRIX, derivePriority, type Impact, type Urgency } from '../../src/kernel/domain/priority';
import { incidentKey, incidentNumberCounterKey, TIMELINE_PREFIX } from '../../src/modules/incidents/adapters/incidents-table-keys';

let fixtureSequence = 0;

/** A complete, valid incident entity for repository tests; `number` is unique per test run. */
export function anIncident(overrides: Partial<Incident> = {}): Incident {
  fixtureSequence += 1;
  const impact: Impact = overrides.impact ?? 2;
  const urgency: Urgency = overrides.urgency ?? 2;
  const createdAt = overrides.createdAt ?? new Date(Date.UTC(2026, 0, 1, 9, 0, fixtureSequence)).toISOString();
  return {
    id: randomUUID(),
    number: `INC9${String(fixtureSequence).padStart(6, '0')}`,
    shortDescription: `Fixture incident ${fixtureSequence}`,
    description: 'Created by an integration test',
    impact,
    urgency,
    priority: derivePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency),
    priorityReasons: [`impact ${impact} × urgency ${urgency} (fixture)`],
    service: 'email',
    category: 'software',
    channel: 'api',
    reportedBy: 'rita.requester',
    recordedBy: 'alice.agent',
    detectedAt: createdAt,
    state: 'New',
    major: false,
    escalationLevel: 0,
    escalations: [],
    reopenCount: 0,
    createdAt,
    updatedAt: createdAt,
    updatedBy: 'alice.agent',
    version: 1,
    ...overrides,
  };
}

/** Every item of a table, for verification only: the code under test must never Scan. */
export async function scanAll(db: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The incident number counter's current value, 0 before the first allocation. */
export async function counterValue(db: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: incidentNumberCounterKey, ConsistentRead: true }));
  return Number(result.Item?.['sequence'] ?? 0);
}

/** The stored item (with its key attributes) of an incident, for before/after comparisons. */
export async function storedItem(db: DynamoDBDocumentClient, tableName: string, id: string): Promise<Record<string, unknown> | undefined> {
  const result = await db.send(
    new GetCommand({ TableName: tableName, Key: incidentKey(id), ConsistentRead: true }),
  );
  return result.Item;
}

/** A change that stores the incident with the given entries (none by default). */
export const aChange = (incident: Incident, entries: readonly TimelineEntry[] = []): IncidentChange => ({ incident, entries });

/** A timeline entry stamped by `actor` at `at`. */
export function anEntry(overrides: Partial<TimelineEntry> & Pick<TimelineEntry, 'type'>): TimelineEntry {
  return { at: new Date().toISOString(), actor: 'alice.agent', visibility: 'internal', ...overrides };
}

/** The stored timeline items (keys included) of an incident, in key order, read directly from the table. */
export async function storedTimeline(db: DynamoDBDocumentClient, tableName: string, id: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
        ExpressionAttributeValues: { ':pk': incidentKey(id).pk, ':tl': TIMELINE_PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
