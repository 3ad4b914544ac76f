import { aggregateDelta, ALL_SERVICES, backlogCorrection, expectedBacklogs, outageOf, SERVICES_BY_DAY, SLA_TIME_BUCKETS, slaTimeBucket, slaTimeOfBucket, withSlaCounted } from '../../src/modules/incidents/domain/incident-aggregates';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slaPolicyOf } from '../../src/modules/incidents/app/sla-use-cases';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import type { Incident } from '../../src/modules/incidents/domain/incident';

const base: Incident = {
  id: 'i-1', number: 'INC0000001', shortDescription: 's', description: 'd', impact: 2, urgency: 2, priority: 'P3', priorityReasons: [],
  service: 'email', category: 'software', channel: 'phone', reportedBy: 'bob', recordedBy: 'alice', detectedAt: '2026-03-01T09:50:00.000Z',
  state: 'New', major: false, escalationLevel: 0, escalations: [], reopenCount: 0,
  createdAt: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z', updatedBy: 'alice', version: 1,
};
const next = (from: Incident, changes: Partial<Incident>, at: string): Incident => ({ ...from, ...changes, updatedAt: at, version: from.version + 1 });
const counters = (delta: ReturnType<typeof aggregateDelta>, service: string, key: string) => delta.counters.find((c) => c.service === service && c.key === key)?.add;
const createdSec = Date.parse(base.createdAt) / 1000;

test('logging counts opened by priority, category, channel and service on the logging day, for the service and for all, and joins the backlog', () => {
  const delta = aggregateDelta(undefined, base);
  const opened = { opened: 1, 'opened#P3': 1, 'opened#category#software': 1, 'opened#channel#phone': 1 };
  expect(counters(delta, 'email', 'DAY#2026-03-01')).toEqual(opened);
  expect(counters(delta, ALL_SERVICES, 'DAY#2026-03-01')).toEqual(opened);
  // Per service: an item of its own per day, not an attribute per service on the all-services item.
  expect(counters(delta, SERVICES_BY_DAY, 'DAY#2026-03-01#email')).toEqual({ opened: 1 });
  expect(counters(delta, 'email', 'OPEN')).toEqual({ open: 1, 'open#P3': 1, openCreatedSec: createdSec, 'openCreatedSec#P3': createdSec });
  expect(delta.setOngoing).toBeUndefined();
});

test('a change that moves nothing counted writes no aggregate', () => {
  const delta = aggregateDelta(base, next(base, { description: 'more' }, '2026-03-01T11:00:00.000Z'));
  expect(delta).toEqual({ counters: [] });
});

test('resolving counts resolved on the day of resolution and leaves the backlog', () => {
  const resolved = next(base, { state: 'Resolved', resolvedAt: '2026-03-02T08:00:00.000Z' }, '2026-03-02T08:00:00.000Z');
  const delta = aggregateDelta(base, resolved);
  expect(counters(delta, 'email', 'DAY#2026-03-02')).toEqual({ resolved: 1, 'resolved#P3': 1 });
  expect(counters(delta, 'email', 'OPEN')).toEqual({ open: -1, 'open#P3': -1, openCreatedSec: -createdSec, 'openCreatedSec#P3': -createdSec });
  // Reopening (the reporter rejects the fix) counts a reopen and rejoins the backlog.
  const reopened = next(resolved, { state: 'In Progress', reopenCount: 1 }, '2026-03-03T08:00:00.000Z');
  const back = aggregateDelta(resolved, reopened);
  expect(counters(back, 'email', 'DAY#2026-03-03')).toEqual({ reopened: 1 });
  expect(counters(back, 'email', 'OPEN')).toEqual({ open: 1, 'open#P3': 1, openCreatedSec: createdSec, 'openCreatedSec#P3': createdSec });
});

test('a priority change moves the backlog between priorities; a service change between services', () => {
  const raised = aggregateDelta(base, next(base, { priority: 'P1' }, '2026-03-01T11:00:00.000Z'));
  expect(counters(raised, 'email', 'OPEN')).toEqual({ 'open#P3': -1, 'open#P1': 1, 'openCreatedSec#P3': -createdSec, 'openCreatedSec#P1': createdSec });
  expect(counters(raised, ALL_SERVICES, 'OPEN')).toEqual(counters(raised, 'email', 'OPEN'));
  const moved = aggregateDelta(base, next(base, { service: 'vpn' }, '2026-03-01T11:00:00.000Z'));
  expect(counters(moved, 'email', 'OPEN')?.['open']).toBe(-1);
  expect(counters(moved, 'vpn', 'OPEN')?.['open']).toBe(1);
  expect(counters(moved, ALL_SERVICES, 'OPEN')).toBeUndefined();
});

test('the first acknowledgement counts the time from logging to it', () => {
  const acked = next(base, { sla: { generation: 1, history: [], notices: [], acknowledgedAt: '2026-03-01T10:12:00.000Z' } }, '2026-03-01T10:12:00.000Z');
  expect(counters(aggregateDelta(base, acked), 'email', 'DAY#2026-03-01')).toEqual({ acknowledged: 1, ackSeconds: 720 });
  expect(aggregateDelta(acked, next(acked, { description: 'x' }, '2026-03-01T11:00:00.000Z')).counters).toEqual([]);
});

test('canceling and closing are counted; canceled incidents are no outages', () => {
  const canceled = next({ ...base, outage: {} }, { state: 'Canceled' }, '2026-03-01T12:00:00.000Z');
  expect(counters(aggregateDelta(base, canceled), 'email', 'DAY#2026-03-01')).toEqual({ canceled: 1 });
  expect(outageOf(canceled)).toBeUndefined();
});

describe('outages', () => {
  const outageIncident = { ...base, outage: {}, usersAffected: 40 };
  test('default to detection and restoration', () => {
    expect(outageOf(outageIncident)).toEqual({ incidentId: 'i-1', number: 'INC0000001', service: 'email', start: base.detectedAt, usersAffected: 40, priority: 'P3' });
    const resolved = { ...outageIncident, state: 'Resolved' as const, resolvedAt: '2026-03-01T12:00:00.000Z' };
    expect(outageOf(resolved)?.end).toBe('2026-03-01T12:00:00.000Z');
    expect(outageOf({ ...resolved, outage: { start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T11:00:00.000Z' } })).toMatchObject({ start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T11:00:00.000Z' });
  });

  test('an ongoing outage sits on the backlog item; when it ends it becomes a record keyed by its end', () => {
    const opened = aggregateDelta(undefined, outageIncident);
    expect(opened.setOngoing).toMatchObject({ incidentId: 'i-1', start: base.detectedAt });
    const resolved = next(outageIncident, { state: 'Resolved', resolvedAt: '2026-03-01T12:00:00.000Z' }, '2026-03-01T12:00:00.000Z');
    const ended = aggregateDelta(outageIncident, resolved);
    expect(ended.removeOngoing).toEqual({ service: 'email', incidentId: 'i-1' });
    expect(ended.putEnded).toMatchObject({ end: '2026-03-01T12:00:00.000Z' });
    expect(ended.supersedeEnded).toBeUndefined();
    // Closing keeps the same record; reopening supersedes it and makes the outage ongoing again.
    const closed = next(resolved, { state: 'Closed' }, '2026-03-05T12:00:00.000Z');
    expect(aggregateDelta(resolved, closed)).toMatchObject({ counters: [expect.anything(), expect.anything()] });
    expect(aggregateDelta(resolved, closed).putEnded).toBeUndefined();
    const reopened = next(resolved, { state: 'In Progress', reopenCount: 1 }, '2026-03-02T12:00:00.000Z');
    const back = aggregateDelta(resolved, reopened);
    expect(back.supersedeEnded).toMatchObject({ end: '2026-03-01T12:00:00.000Z' });
    expect(back.setOngoing).toMatchObject({ incidentId: 'i-1' });
  });

  test('marking an incident an outage after resolution writes the record at once', () => {
    const resolved = { ...base, state: 'Resolved' as const, resolvedAt: '2026-03-01T12:00:00.000Z' };
    const marked = aggregateDelta(resolved, next(resolved, { outage: { start: '2026-03-01T09:00:00.000Z' } }, '2026-03-02T09:00:00.000Z'));
    expect(marked.putEnded).toMatchObject({ start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T12:00:00.000Z' });
    expect(marked.setOngoing).toBeUndefined();
  });
});

describe('SLA counters', () => {
  // The example client: P1 runs around the clock (acknowledge PT15M).
  const example = JSON.parse(readFileSync(join(__dirname, '../../clients/example.json'), 'utf8'));
  const keys = ['id', 'timeZone', 'priorityMatrix', 'slaTargets', 'priorityThresholds', 'autoCloseAfter', 'contacts', 'sla'];
  const policy = slaPolicyOf(clientSettingsSchema.parse(Object.fromEntries(keys.map((k) => [k, example[k]]))));
  const opened = withSlaCounted(undefined, { ...base, priority: 'P1', sla: { generation: 1, history: [], notices: [] } }, policy);

  test('an incident logged counts on its creation day, every target undecided; acknowledging late moves it there, from the day it happens', () => {
    expect(opened.sla!.counted).toEqual(['sla#P1']);
    const late = '2026-03-02T10:00:00.000Z';
    const acknowledged = withSlaCounted(opened, { ...next(opened, {}, late), sla: { ...opened.sla!, acknowledgedAt: late } }, policy);
    expect(acknowledged.sla!.counted).toEqual(expect.arrayContaining(['sla#P1', 'sla#P1#ack#breached', `sla#P1#ack@${slaTimeBucket(86_400_000)}`, 'sla#P1#resp#breached', 'sla#P1#res#breached']));
    const delta = aggregateDelta(opened, acknowledged);
    expect(counters(delta, ALL_SERVICES, 'DAY#2026-03-01')).toMatchObject({ 'sla#P1#ack#breached': 1, 'sla#P1#resp#breached': 1 });
    expect(counters(delta, ALL_SERVICES, 'DAY#2026-03-01')!['sla#P1']).toBeUndefined();
    expect(counters(delta, 'email', 'DAY#2026-03-01')).toBeUndefined();
  });

  test('canceling takes the incident out; a writer without a policy keeps what was counted; a stale stored count is replaced, not trusted', () => {
    const canceled = withSlaCounted(opened, next(opened, { state: 'Canceled' }, '2026-03-01T10:05:00.000Z'), policy);
    expect(canceled.sla!.counted).toEqual([]);
    expect(counters(aggregateDelta(opened, canceled), ALL_SERVICES, 'DAY#2026-03-01')).toEqual({ canceled: 1, 'sla#P1': -1 });
    expect(withSlaCounted(opened, next(opened, { state: 'Canceled' }, '2026-03-01T10:05:00.000Z'), undefined).sla!.counted).toEqual(['sla#P1']);
    const stale = { ...next(opened, {}, '2026-03-01T10:01:00.000Z'), sla: { ...opened.sla!, counted: ['sla#P5'] } };
    expect(withSlaCounted(opened, stale, policy).sla!.counted).toEqual(['sla#P1']);
  });

  test('a time bucket stands for its values within 9.1 %', () => {
    for (let ms = 1000; ms < 4e10; ms *= 1.37) {
      const middle = slaTimeOfBucket(slaTimeBucket(ms));
      if (slaTimeBucket(ms) < SLA_TIME_BUCKETS - 1) expect(Math.abs(middle - ms) / ms).toBeLessThanOrEqual(0.0911);
    }
    expect(slaTimeOfBucket(slaTimeBucket(400))).toBe(0);
  });
});

describe('backlog recount', () => {
  const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  const open = [
    { id: 'a', service: 'crm', priority: 'P1' as const, createdAt: '2026-01-01T00:00:00.000Z' },
    { id: 'b', service: 'crm', priority: 'P3' as const, createdAt: '2026-01-02T00:00:00.000Z' },
    { id: 'c', service: 'erp', priority: 'P3' as const, createdAt: '2026-01-03T00:00:00.000Z' },
  ];

  test('what the open incidents add, per service and for every service, as their writes add it', () => {
    const expected = expectedBacklogs(open);
    expect(expected.get('crm')).toEqual({ open: 2, 'open#P1': 1, 'open#P3': 1, openCreatedSec: at(open[0]!.createdAt) + at(open[1]!.createdAt), 'openCreatedSec#P1': at(open[0]!.createdAt), 'openCreatedSec#P3': at(open[1]!.createdAt) });
    expect(expected.get(ALL_SERVICES)).toMatchObject({ open: 3, 'open#P3': 2 });
    // The same as the create's own delta, for one incident.
    const [one] = open;
    const created = aggregateDelta(undefined, { ...base, id: one!.id, service: one!.service, priority: one!.priority, createdAt: one!.createdAt, updatedAt: one!.createdAt });
    expect(created.counters.find((c) => c.service === 'crm' && c.key === 'OPEN')!.add).toEqual(expectedBacklogs([one!]).get('crm'));
  });

  test('no open incident: every service together expects an empty backlog', () => {
    expect(expectedBacklogs([])).toEqual(new Map([[ALL_SERVICES, {}]]));
  });

  test('the correction is the difference per backlog counter, and leaves the review counters and outages alone', () => {
    const stored = { open: 1, 'open#P1': 1, openCreatedSec: 5, 'openCreatedSec#P1': 5, 'open#P4': -1, reviewsPending: 2, reviewActionsOpen: 3, 'ongoing#x': 7 };
    const expected = { open: 2, 'open#P1': 1, 'open#P3': 1, openCreatedSec: 15, 'openCreatedSec#P1': 5, 'openCreatedSec#P3': 10 };
    expect(backlogCorrection(expected, stored)).toEqual({ open: 1, 'open#P3': 1, 'open#P4': 1, openCreatedSec: 10, 'openCreatedSec#P3': 10 });
    expect(backlogCorrection(expected, { ...expected, reviewsPending: 1 })).toEqual({});
  });
});
