import { EVENT_SUMMARY_DAYS, serviceReport, type ReportDeps } from '../../src/modules/reports/app/report-use-cases';
import type { Caller } from '../../src/kernel/domain/access-policy';
import { ForbiddenError } from '../../src/kernel/domain/domain-errors';

/** The service report's requests-to-changes and monitoring-events sections, over fakes of their ports. */
const agent: Caller = { id: 'a', name: 'alice', roles: ['agent'] };
const now = new Date('2026-12-01T00:00:00.000Z');
const aggregates = { dayCounters: async () => ({}), backlog: async () => ({}), outages: async () => [] };
const clock = { now: () => now };
const ratio = {
  total: { requests: 12, changes: 4, ratio: 3 },
  byService: [
    { service: 'email', requests: 6, changes: 3, ratio: 2 },
    { service: 'erp', requests: 6, changes: 1, ratio: 6 },
  ],
};
const asked: { from: string; to: string }[] = [];
const deps: ReportDeps = {
  aggregates,
  clock,
  requestsChanges: async (_caller, period) => {
    asked.push(period);
    return ratio;
  },
  eventTrends: async (_caller, query) => ({
    from: query.from,
    to: query.to,
    buckets: [
      { start: '2026-11-20T00:00:00.000Z', total: 3, counts: [{ source: 'aws.cloudwatch', severity: 'error', count: 2 }, { source: 'aws.guardduty', severity: 'critical', count: 1 }] },
      { start: '2026-11-21T00:00:00.000Z', total: 0, counts: [] },
      { start: '2026-11-22T00:00:00.000Z', total: 5, counts: [{ source: 'aws.cloudwatch', severity: 'warning', count: 5 }] },
    ],
  }),
};

test("every service: the period's requests, changes and ratio; the events received by source and severity, with the busiest day", async () => {
  const period = { from: '2026-11-15T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
  const report = await serviceReport(deps, agent, period);
  expect(report.requestsChanges).toEqual({ requests: 12, changes: 4, ratio: 3 });
  expect(asked.at(-1)).toMatchObject(period);
  expect(report.events).toEqual({
    from: period.from, to: period.to, wholePeriod: true, total: 8,
    bySource: { 'aws.cloudwatch': 7, 'aws.guardduty': 1 },
    bySeverity: { error: 2, critical: 1, warning: 5 },
    busiestDay: { day: '2026-11-22', total: 5 },
  });
});

test("one service: its own ratio row, zeros when it had neither; a year's report summarises the events of its last days only", async () => {
  const year = { from: '2025-12-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
  expect((await serviceReport(deps, agent, { ...year, service: 'erp' })).requestsChanges).toEqual({ requests: 6, changes: 1, ratio: 6 });
  const quiet = await serviceReport(deps, agent, { ...year, service: 'vpn' });
  expect(quiet.requestsChanges).toEqual({ requests: 0, changes: 0, ratio: null });
  expect(quiet.events).toMatchObject({ wholePeriod: false, from: new Date(Date.parse(year.to) - EVENT_SUMMARY_DAYS * 86_400_000).toISOString(), to: year.to });
});

test('without the ports, no such sections', async () => {
  const report = await serviceReport({ aggregates, clock }, agent, { from: '2026-11-15T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
  expect(report).not.toHaveProperty('requestsChanges');
  expect(report).not.toHaveProperty('events');
});

test('a reader who may not read monitoring events (a change manager) gets the report without the events section', async () => {
  const changeManager: Caller = { id: 'c', name: 'carl', roles: ['change-manager'] };
  const refusing: ReportDeps = { ...deps, eventTrends: async () => { throw new ForbiddenError('Your role may not read monitoring events', 'role'); } };
  const report = await serviceReport(refusing, changeManager, { from: '2026-11-15T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
  expect(report).not.toHaveProperty('events');
  expect(report.requestsChanges).toEqual({ requests: 12, changes: 4, ratio: 3 });
});
