import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentRepository, toItem } from '../../src/modules/incidents/adapters/dynamodb-incident-repository';
import { autoCloseResolvedIncidents, confirmIncidentResolution, type IncidentDeps } from '../../src/modules/incidents/app/incident-use-cases';
import type { AuditLog } from '../../src/kernel/app/ports';
import { OUTBOX_PARTITION } from '../../src/modules/outbox/adapters';
import type { IncidentRepository } from '../../src/modules/incidents/app/ports';
import { DynamoDbAuditTrail } from '../../src/kernel/adapters/dynamodb-audit-trail';
import { rejectResolution, type Incident } from '../../src/modules/incidents/domain/incident';
import { saveReview } from '../../src/modules/incidents/domain/post-incident-review';
import { escalateOverdueReviewActions, type ReviewEscalationDeps } from '../../src/modules/incidents/app/major-incident-use-cases';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { DynamoDbPagingSource } from '../../src/modules/oncall/adapters';
import { personRecords } from '../../src/modules/oncall/adapters/dynamodb-versioned-records';
import { createPerson } from '../../src/modules/oncall/app/people-use-cases';
import { aService, seedServices } from './support-catalogue';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import { DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS, DEFAULT_USERS_AFFECTED_THRESHOLDS } from '../../src/kernel/domain/priority-rules';
import { createTestTables, type TestTables } from '../support/test-tables';
import { lambdaContext } from './support-events';
import { exampleFunctionEnv, exampleSettings, muteEmptyMetricsWarning, setEnv } from './support-handler';
import { aChange, anIncident, scanAll, storedTimeline } from './support-incidents';

/**
 * Auto-close against DynamoDB Local: the use case with a chosen clock, and the scheduled Lambda
 * wired as the stack wires it (real clock).
 */

const DAY = 24 * 60 * 60 * 1000;
const RESOLVED_AT = new Date(Date.UTC(2026, 5, 1, 9, 0, 0));
const iso = (date: Date) => date.toISOString();

/** A resolved incident, stored as the desk's PATCH would have left it. */
function resolvedAt(at: Date, overrides: Partial<Incident> = {}): Incident {
  const createdAt = iso(new Date(at.getTime() - DAY));
  return anIncident({
    state: 'Resolved',
    resolutionCode: 'Solved (permanently)',
    resolutionNotes: 'Replaced the switch',
    resolvedAt: iso(at),
    resolvedBy: 'alice.agent',
    createdAt,
    updatedAt: iso(at),
    detectedAt: createdAt,
    version: 3,
    ...overrides,
  });
}

/** The audit trail of the current test's tables. */
let audit: AuditLog;
/** The current test's catalogue and people directory (the on-call table), as the job reads them. */
let readOnly: Pick<ReviewEscalationDeps, 'services' | 'people'> | undefined;

function depsFor(incidents: IncidentRepository, now: Date): IncidentDeps & ReviewEscalationDeps {
  return {
    incidents,
    audit,
    clock: { now: () => now },
    ids: { newId: () => randomUUID() },
    rules: { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: DEFAULT_USERS_AFFECTED_THRESHOLDS, concurrentIncidents: DEFAULT_CONCURRENT_INCIDENT_THRESHOLDS },
    settings: { clientId: 'example', autoCloseAfter: 'P7D', contacts: exampleSettings()['contacts'] },
    services: readOnly?.services ?? { getService: () => Promise.reject(new Error('this test reads no service')) },
    ...(readOnly?.people && { people: readOnly.people }),
  };
}

describe('autoCloseResolvedIncidents', () => {
  let tables: TestTables;
  let repo: DynamoDbIncidentRepository;

  beforeEach(async () => {
    // Fresh tables per test: the Resolved partition must hold only this test's incidents.
    tables = await createTestTables();
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } });
    audit = trail;
    repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents, trail);
    readOnly = { services: new DynamoDbCatalogueRepository(tables.documents, tables.names.catalogue), people: new DynamoDbPagingSource({ documents: tables.documents, tableName: tables.names.oncall }) };
  });
  afterEach(() => tables?.destroy());

  test('8 days after resolution it closes, by system:auto-close, with a closed entry; 1 day after, it stays Resolved', async () => {
    const old = resolvedAt(RESOLVED_AT);
    const recent = resolvedAt(new Date(RESOLVED_AT.getTime() + 7 * DAY));
    for (const incident of [old, recent]) await repo.create(aChange(incident));
    const now = new Date(RESOLVED_AT.getTime() + 8 * DAY);
    expect(await autoCloseResolvedIncidents(depsFor(repo, now))).toBe(1);

    expect(await repo.get(old.id)).toEqual({
      ...old,
      state: 'Closed',
      closedAt: iso(now),
      closedBy: 'system:auto-close',
      closureReason: 'Closed automatically: not confirmed or rejected within P7D of resolution',
      updatedAt: iso(now),
      updatedBy: 'system:auto-close',
      version: 4,
    });
    expect(await storedTimeline(tables.documents, tables.names.incidents, old.id)).toEqual([
      expect.objectContaining({ type: 'closed', actor: 'system:auto-close', at: iso(now), from: 'Resolved', to: 'Closed', visibility: 'public' }),
    ]);
    expect(await repo.get(recent.id)).toEqual(recent);
    expect(await storedTimeline(tables.documents, tables.names.incidents, recent.id)).toEqual([]);
    // Auto-close notifies nobody: no notification is stored in the outbox with the closure.
    const outbox = (await scanAll(tables.documents, tables.names.incidents)).filter((item) => item['pk'] === OUTBOX_PARTITION);
    expect(outbox.filter((item) => item['kind'] === 'notify')).toEqual([]);

    // Run again at the same time: nothing left to close.
    expect(await autoCloseResolvedIncidents(depsFor(repo, now))).toBe(0);
  });

  const archiveItems = async () =>
    (await scanAll(tables.documents, tables.names.incidents))
      .filter((item) => item['pk'] === OUTBOX_PARTITION && item['kind'] === 'archive-finding')
      .map((item) => ({ effectId: item['effectId'], effect: item['effect'] }));
  const archiving = (deps: IncidentDeps): IncidentDeps => ({ ...deps, settings: { ...deps.settings, archiveFindingsOnClose: true } });

  test('archiveFindingsOnClose: the closed GuardDuty incident stores its finding\'s archive in the outbox with the close; Inspector and plain incidents store none', async () => {
    const guardDuty = resolvedAt(RESOLVED_AT, { security: true, findingId: 'gd-finding-1', guardDutyDetectorId: 'detector-1' });
    const inspector = resolvedAt(RESOLVED_AT, { security: true, findingId: 'arn:aws:inspector2:eu-west-2:123456789012:finding/abc' });
    const plain = resolvedAt(RESOLVED_AT);
    for (const incident of [guardDuty, inspector, plain]) await repo.create(aChange(incident));
    expect(await autoCloseResolvedIncidents(archiving(depsFor(repo, new Date(RESOLVED_AT.getTime() + 8 * DAY))))).toBe(3);
    expect(await archiveItems()).toEqual([
      {
        effectId: `${guardDuty.id}#v4#archive-finding`,
        effect: { kind: 'archive-finding', incidentId: guardDuty.id, detectorId: 'detector-1', findingId: 'gd-finding-1' },
      },
    ]);
  });

  test('archiving off (the default): closing a GuardDuty incident stores no archive', async () => {
    const guardDuty = resolvedAt(RESOLVED_AT, { security: true, findingId: 'gd-finding-2', guardDutyDetectorId: 'detector-1' });
    await repo.create(aChange(guardDuty));
    expect(await autoCloseResolvedIncidents(depsFor(repo, new Date(RESOLVED_AT.getTime() + 8 * DAY)))).toBe(1);
    expect((await repo.get(guardDuty.id))?.state).toBe('Closed');
    expect(await archiveItems()).toEqual([]);
  });

  test('the confirm route stores the archive with the close; a close that loses its version condition stores none', async () => {
    const reporter = { id: 'rita-sub', name: 'rita.requester', roles: ['requester' as const] };
    const first = resolvedAt(RESOLVED_AT, { security: true, findingId: 'gd-finding-3', guardDutyDetectorId: 'detector-2' });
    await repo.create(aChange(first));
    const deps = archiving(depsFor(repo, new Date(RESOLVED_AT.getTime() + DAY)));
    expect(await confirmIncidentResolution(deps, reporter, first.id, first.version)).toMatchObject({ state: 'Closed' });
    expect((await archiveItems()).map((i) => i.effectId)).toEqual([`${first.id}#v4#archive-finding`]);

    // Confirmed with a stale If-Match: refused, and nothing is stored, the archive neither.
    const second = resolvedAt(RESOLVED_AT, { security: true, findingId: 'gd-finding-4', guardDutyDetectorId: 'detector-2' });
    await repo.create(aChange(second));
    await expect(confirmIncidentResolution(deps, reporter, second.id, second.version - 1)).rejects.toThrow();
    expect((await repo.get(second.id))?.state).toBe('Resolved');
    expect((await archiveItems()).map((i) => i.effectId)).toEqual([`${first.id}#v4#archive-finding`]);
  });

  test('exactly at the end of the period it waits; just past it, it closes', async () => {
    const incident = resolvedAt(RESOLVED_AT);
    await repo.create(aChange(incident));
    expect(await autoCloseResolvedIncidents(depsFor(repo, new Date(RESOLVED_AT.getTime() + 7 * DAY)))).toBe(0);
    expect((await repo.get(incident.id))?.state).toBe('Resolved');
    expect(await autoCloseResolvedIncidents(depsFor(repo, new Date(RESOLVED_AT.getTime() + 7 * DAY + 1)))).toBe(1);
    expect((await repo.get(incident.id))?.state).toBe('Closed');
  });

  test('incidents in other states are never closed, however old', async () => {
    const longAgo = new Date(RESOLVED_AT.getTime() - 90 * DAY);
    const others = [
      anIncident({ state: 'New', createdAt: iso(longAgo) }),
      anIncident({ state: 'In Progress', createdAt: iso(longAgo) }),
      anIncident({ state: 'On Hold', onHoldReason: 'awaiting caller', createdAt: iso(longAgo) }),
      anIncident({ state: 'Canceled', createdAt: iso(longAgo) }),
    ];
    for (const incident of others) await repo.create(aChange(incident));
    expect(await autoCloseResolvedIncidents(depsFor(repo, new Date(RESOLVED_AT.getTime() + 30 * DAY)))).toBe(0);
    for (const incident of others) expect(await repo.get(incident.id)).toEqual(incident);
  });

  test('more than one page of candidates (50 a page): all of them close', async () => {
    const many = Array.from({ length: 55 }, (_, i) => resolvedAt(new Date(RESOLVED_AT.getTime() + i * 60_000)));
    await Promise.all(many.map((incident) => repo.create(aChange(incident))));
    expect(await autoCloseResolvedIncidents(depsFor(repo, new Date(RESOLVED_AT.getTime() + 10 * DAY)))).toBe(55);
    const states = await Promise.all(many.map(async (incident) => (await repo.get(incident.id))?.state));
    expect(new Set(states)).toEqual(new Set(['Closed']));
  });

  test('an incident changed meanwhile (version conflict) is skipped without failing the run; the others close', async () => {
    const contested = resolvedAt(RESOLVED_AT);
    const other = resolvedAt(new Date(RESOLVED_AT.getTime() + 60_000));
    for (const incident of [contested, other]) await repo.create(aChange(incident));
    const now = new Date(RESOLVED_AT.getTime() + 8 * DAY);
    const rejectedAt = iso(new Date(now.getTime() - 1000));

    // The reporter rejects the fix between the job's read and its write.
    const racing: IncidentRepository = Object.assign(Object.create(repo) as DynamoDbIncidentRepository, {
      resolvedBefore: async (cutoff: string, page: { limit: number; nextToken?: string }) => {
        const found = await repo.resolvedBefore(cutoff, page);
        const current = await repo.get(contested.id);
        if (current?.state === 'Resolved') {
          await repo.save(rejectResolution(current, { id: 'u-rita', name: 'rita.requester' }, 'Still broken', rejectedAt), current.version);
        }
        return found;
      },
    });

    expect(found(await repo.resolvedBefore(iso(now), { limit: 50 }))).toEqual([contested.id, other.id].sort());
    await expect(autoCloseResolvedIncidents(depsFor(racing, now))).resolves.toBe(1);

    expect(await repo.get(contested.id)).toMatchObject({ state: 'In Progress', reopenCount: 1, version: 4, updatedBy: 'rita.requester' });
    expect((await storedTimeline(tables.documents, tables.names.incidents, contested.id)).map((e) => [e['type'], e['actor']])).toEqual([
      ['reopened', 'rita.requester'],
    ]);
    expect(await repo.get(other.id)).toMatchObject({ state: 'Closed', closedBy: 'system:auto-close' });
  });

  const found = (page: { items: readonly Incident[] }) => page.items.map((i) => i.id).sort();

  // The same scheduled run escalates overdue post-incident-review actions (escalateOverdueReviewActions).
  test("an open action past its due date is escalated once, through the outbox, to the owner recorded on the review where the service is gone; a done or later action is not", async () => {
    const owner = { name: 'Olga Owner', email: 'olga@example.com' };
    const major = resolvedAt(RESOLVED_AT, { major: true, majorReason: 'Everyone' });
    await repo.create(aChange(major));
    const due = (days: number) => iso(new Date(RESOLVED_AT.getTime() + days * DAY));
    const reviewed = saveReview(
      major,
      {
        findings: ['Slow detection'],
        actions: [
          { description: 'Alarm on the provider', owner: 'bob', due: due(2) },
          { description: 'Runbook', owner: 'dan', due: due(2), status: 'done' },
          { description: 'Failover drill', owner: 'eve', due: due(30) },
        ],
      },
      { actor: { id: 'a', name: 'alice.agent' }, now: due(1), serviceOwner: owner },
    );
    await repo.save(reviewed, major.version, major);
    expect((await repo.reviewActionsDueBefore(due(60), 10)).map((m) => m.actionId)).toEqual(['A1', 'A3']);

    expect(await escalateOverdueReviewActions(depsFor(repo, new Date(due(3))))).toBe(1);
    const stored = await repo.get(major.id);
    expect(stored?.review?.actions.map((a) => [a.id, a.escalatedAt])).toEqual([['A1', due(3)], ['A2', undefined], ['A3', undefined]]);
    const notices = (await scanAll(tables.documents, tables.names.incidents)).filter((item) => item['pk'] === OUTBOX_PARTITION && item['kind'] === 'notify');
    const sent = notices.map((n) => (n['effect'] as { notification: { recipients: { name: string }[]; subject: string } }).notification);
    expect(sent.map((n) => [n.recipients.map((r) => r.name), n.subject])).toEqual([
      [['Olga Owner'], `[${major.priority}] ${major.number} post-incident review: 1 action(s) overdue`],
    ]);
    // Settled: the next run finds nothing for A1; A3 is not due yet.
    expect(await repo.reviewActionsDueBefore(due(60), 10)).toEqual([{ due: due(30), incidentId: major.id, actionId: 'A3' }]);
    expect(await escalateOverdueReviewActions(depsFor(repo, new Date(due(4))))).toBe(0);
  });
  test("an overdue action escalates to the service's current owner, not the one recorded when the review opened; the action's owner is told too", async () => {
    const due = (days: number) => iso(new Date(RESOLVED_AT.getTime() + days * DAY));
    // The review opened under Olga; Nina owns the service now. Bob is in the people directory; Zed is not.
    await seedServices(tables.documents, tables.names.catalogue, [aService('payroll', { owner: { username: 'nina', name: 'Nina New', email: 'nina@example.com' } })]);
    const people = { people: personRecords(tables.documents, tables.names.oncall), clock: { now: () => RESOLVED_AT }, audit };
    await createPerson(people, { id: 'sub-admin', name: 'admin', roles: ['admin'] }, 'bob', { name: 'Bob Builder', email: 'bob@provider.example' });
    const major = resolvedAt(RESOLVED_AT, { major: true, majorReason: 'Everyone', service: 'payroll' });
    await repo.create(aChange(major));
    const reviewed = saveReview(
      major,
      { findings: ['Slow detection'], actions: [{ description: 'Alarm on the provider', owner: 'bob', due: due(2) }, { description: 'Capacity plan', owner: 'zed', due: due(2) }] },
      { actor: { id: 'a', name: 'alice.agent' }, now: due(1), serviceOwner: { name: 'Olga Owner', email: 'olga@example.com' } },
    );
    await repo.save(reviewed, major.version, major);

    expect(await escalateOverdueReviewActions(depsFor(repo, new Date(due(3))))).toBe(2);
    const [notice, ...others] = (await scanAll(tables.documents, tables.names.incidents)).filter((item) => item['pk'] === OUTBOX_PARTITION && item['kind'] === 'notify');
    expect(others).toEqual([]);
    const { notification } = notice!['effect'] as { notification: { recipients: { name: string; email: string }[]; message: string } };
    expect(notification.recipients.map((r) => [r.name, r.email])).toEqual([
      ['Nina New', 'nina@example.com'],
      ['Bob Builder', 'bob@provider.example'],
    ]);
    expect(notification.message).toContain('escalated to the service owner Nina New');
    expect(notification.message).toContain('A2 (owner zed: not in the people directory, not told');
    const entries = await storedTimeline(tables.documents, tables.names.incidents, major.id);
    expect(entries.filter((e) => e['type'] === 'review' && String(e['text']).includes('overdue')).map((e) => e['text'])).toEqual([
      `Action A1 overdue (due ${due(2)}, owner bob): escalated to the service owner Nina New`,
      `Action A2 overdue (due ${due(2)}, owner zed): escalated to the service owner Nina New`,
    ]);
  });
});

describe('auto-close handler (scheduled Lambda)', () => {
  let tables: TestTables;
  let restore: () => void;
  let handler: (event: ScheduledEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ closed: number }>;

  beforeAll(async () => {
    tables = await createTestTables();
    restore = setEnv(exampleFunctionEnv(tables));
    muteEmptyMetricsWarning();
    jest.isolateModules(() => {
      handler = (require('../../src/modules/incidents/functions/auto-close-handler') as typeof import('../../src/modules/incidents/functions/auto-close-handler')).handler as unknown as typeof handler;
    });
  });
  afterAll(async () => {
    restore?.();
    await tables?.destroy();
  });

  const scheduledEvent = (): ScheduledEvent => ({
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'eu-west-2',
    resources: ['arn:aws:events:eu-west-2:123456789012:rule/AutoCloseSchedule'],
    detail: {},
  });

  test('closes what resolved more than 7 days ago (real clock), leaves the rest; a second run finds nothing', async () => {
    const repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
    const now = Date.now();
    const stale = [resolvedAt(new Date(now - 8 * DAY)), resolvedAt(new Date(now - 30 * DAY))];
    const fresh = resolvedAt(new Date(now - 1 * DAY));
    for (const incident of [...stale, fresh]) await repo.create(aChange(incident));

    const context = lambdaContext('rowe-itsm-example-auto-close');
    expect(await handler(scheduledEvent(), context)).toEqual({ closed: 2, reviewActionsEscalated: 0, backlogItemsCorrected: 0 });
    for (const incident of stale) expect(await repo.get(incident.id)).toMatchObject({ state: 'Closed', closedBy: 'system:auto-close' });
    expect(await repo.get(fresh.id)).toEqual(fresh);

    // Each closure is in the audit trail, stamped with the run's request id, with the fields it changed.
    const trail = new DynamoDbAuditTrail(tables.documents, tables.names.audit, { clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } });
    const records = (await trail.list({ actor: 'system:auto-close' }, { limit: 10 })).items;
    expect(records.map((r) => r.resource.id).sort()).toEqual(stale.map((i) => i.id).sort());
    for (const record of records) {
      expect(record).toMatchObject({ action: 'incident:auto-close', roles: ['system'], outcome: 'allowed', requestId: context.awsRequestId });
      expect(record.changes).toContainEqual({ field: 'state', before: 'Resolved', after: 'Closed' });
      expect(record.changes).toContainEqual({ field: 'closedBy', after: 'system:auto-close' });
    }

    expect(await handler(scheduledEvent(), lambdaContext('rowe-itsm-example-auto-close'))).toEqual({ closed: 0, reviewActionsEscalated: 0, backlogItemsCorrected: 0 });
  });

  test("recounts the backlog: an open incident its service's backlog item never counted is counted after a run", async () => {
    const repo = new DynamoDbIncidentRepository(tables.documents, tables.names.incidents);
    const uncounted = anIncident({ service: 'legacy-app' });
    await tables.documents.send(new PutCommand({ TableName: tables.names.incidents, Item: toItem(uncounted) }));
    expect(await repo.countOpenOnService('legacy-app', 10)).toBe(0);
    // Its service's item and every service's.
    expect(await handler(scheduledEvent(), lambdaContext('rowe-itsm-example-auto-close'))).toEqual({ closed: 0, reviewActionsEscalated: 0, backlogItemsCorrected: 2 });
    expect(await repo.countOpenOnService('legacy-app', 10)).toBe(1);
  });
});
