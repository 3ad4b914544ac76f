import type { OutageInterval } from '../../src/modules/incidents/domain/incident-aggregates';
import { serviceReport } from '../../src/modules/reports/app/report-use-cases';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { byImpact, knownErrorImpact, type KnownErrorSummary, type LinkedIncident } from '../../src/modules/reports/domain/known-error-impact';

/** Hand-worked examples of a known error's impact over a period (README "Reports"). */
const period = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' };
const now = new Date('2026-12-01T00:00:00.000Z');
const ke: KnownErrorSummary = { id: 'ke-1', title: 'Relay leaks connections', fixStatus: 'planned', problemId: 'p-1', services: ['email'] };
const link = (incidentId: string, incidentCreatedAt: string): LinkedIncident => ({ incidentId, incidentNumber: `INC-${incidentId}`, incidentCreatedAt });
const outage = (incidentId: string, start: string, end: string | undefined, usersAffected?: number, service = 'email'): OutageInterval => ({
  incidentId, number: `INC-${incidentId}`, service, start, ...(end && { end }), ...(usersAffected !== undefined && { usersAffected }), priority: 'P2',
});

test('no linked incident: nothing counted, the known error still listed', () => {
  expect(knownErrorImpact({ ...ke, problemId: undefined as never }, undefined, [], new Map(), period, now)).toEqual({
    id: 'ke-1', title: 'Relay leaks connections', fixStatus: 'planned', services: ['email'], incidents: 0, outageMinutes: 0, userOutageMinutes: 0, outagesWithoutUsers: 0,
  });
});

test('incidents logged in the period count; outages of linked incidents count inside the period, overlaps merged; others are ignored', () => {
  const links = [
    link('a', '2026-10-31T23:00:00.000Z'), // logged before the period: its outage still counts from 00:00
    link('b', '2026-11-01T10:00:00.000Z'),
    link('c', '2026-11-01T10:10:00.000Z'),
    link('d', '2026-11-02T00:00:00.000Z'), // logged at the period's (exclusive) end
  ];
  const outages = new Map([
    ['email', [
      outage('a', '2026-10-31T23:00:00.000Z', '2026-11-01T00:30:00.000Z', 10), // 30 min in the period × 10 users = 300
      outage('b', '2026-11-01T10:00:00.000Z', '2026-11-01T11:00:00.000Z', 100), // 60 min × 100 = 6,000
      outage('c', '2026-11-01T10:30:00.000Z', '2026-11-01T11:30:00.000Z'), // overlaps b: +30 min downtime; no users recorded
      outage('x', '2026-11-01T12:00:00.000Z', '2026-11-01T18:00:00.000Z', 500), // not linked
    ]],
  ]);
  // Downtime: 00:00–00:30 and 10:00–11:30 = 30 + 90 = 120 minutes; user minutes 300 + 6,000.
  expect(knownErrorImpact(ke, 'Known Error', links, outages, period, now)).toEqual({
    id: 'ke-1', title: 'Relay leaks connections', fixStatus: 'planned', problemId: 'p-1', problemState: 'Known Error', services: ['email'],
    incidents: 2, outageMinutes: 120, userOutageMinutes: 6300, outagesWithoutUsers: 1,
  });
});

test('an outage still going on lasts until now (or the period end); outages on several services add up', () => {
  const links = [link('a', '2026-11-01T23:00:00.000Z'), link('b', '2026-11-01T23:30:00.000Z')];
  const outages = new Map([
    ['email', [outage('a', '2026-11-01T23:00:00.000Z', undefined, 2)]], // ongoing: 60 min to the period's end
    ['erp', [outage('b', '2026-11-01T23:30:00.000Z', '2026-11-01T23:45:00.000Z', 4, 'erp')]], // 15 min × 4
  ]);
  const early = new Date('2026-11-01T23:20:00.000Z'); // the report runs before the period ends
  expect(knownErrorImpact({ ...ke, services: ['email', 'erp'] }, 'Assessed', links, outages, period, now)).toMatchObject({ incidents: 2, outageMinutes: 75, userOutageMinutes: 180 });
  expect(knownErrorImpact({ ...ke, services: ['email', 'erp'] }, 'Assessed', links, outages, period, early)).toMatchObject({ outageMinutes: 20, userOutageMinutes: 40 });
});

test('ranked by incidents, then user minutes, then outage minutes, then id', () => {
  const base = { title: 't', fixStatus: 'none' as const, services: [], outagesWithoutUsers: 0 };
  const items = [
    { ...base, id: 'd', incidents: 1, userOutageMinutes: 0, outageMinutes: 0 },
    { ...base, id: 'c', incidents: 1, userOutageMinutes: 0, outageMinutes: 5 },
    { ...base, id: 'b', incidents: 1, userOutageMinutes: 10, outageMinutes: 0 },
    { ...base, id: 'a', incidents: 3, userOutageMinutes: 0, outageMinutes: 0 },
    { ...base, id: 'e', incidents: 1, userOutageMinutes: 0, outageMinutes: 0 },
  ];
  expect(items.sort(byImpact).map((i) => i.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
});

describe('the service report section, over fakes of its ports', () => {
  const agent: Caller = { id: 'a', name: 'alice', roles: ['agent'] };
  const aggregates = { dayCounters: async () => ({}), backlog: async () => ({}), outages: async () => [] };
  const clock = { now: () => now };
  const kes: KnownErrorSummary[] = [
    { id: 'open-problem', title: 't', fixStatus: 'none', problemId: 'p-open', services: ['email'] },
    { id: 'other-problem', title: 't', fixStatus: 'none', problemId: 'p-elsewhere', services: ['email'] },
  ];
  const reader = (openProblemsTruncated: boolean) => ({
    unfixedKnownErrors: async () => ({ items: kes, truncated: false }),
    openProblems: async () => ({ items: [{ id: 'p-open', state: 'Assessed' as const }], truncated: openProblemsTruncated }),
    linkedIncidents: async () => ({ items: [], truncated: false }),
  });

  test('a problem not among the open ones is resolved, closed or canceled: its known error is left out', async () => {
    const report = await serviceReport({ aggregates, clock, knownErrors: reader(false) }, agent, { service: 'email', ...period });
    expect(report.knownErrors).toEqual({ open: 1, items: [expect.objectContaining({ id: 'open-problem', problemState: 'Assessed' })] });
  });

  test('when the open problems were not all read, an unknown problem counts as open and the section says it is truncated', async () => {
    const report = await serviceReport({ aggregates, clock, knownErrors: reader(true) }, agent, { service: 'email', ...period });
    expect(report.knownErrors).toMatchObject({ open: 2, truncated: true });
  });
});
