import { InvalidInputError } from '../../src/kernel/domain/domain-errors';
import { thrownAs } from '../support/thrown-by';
import { openIncident, type Actor, type Incident } from '../../src/modules/incidents/domain/incident';
import { disasterRecoveryFor, recordDisasterRecovery, recoveryFigures } from '../../src/modules/incidents/domain/major-incident';
import { dueMarkerDelta, escalateOverdueActions, overdueActions, saveReview, type ReviewInput } from '../../src/modules/incidents/domain/post-incident-review';
import { aggregateDelta } from '../../src/modules/incidents/domain/incident-aggregates';
import { buildIncidentReport } from '../../src/modules/incidents/app/incident-report';
import { incidentReportToHtml, incidentReportToMarkdown } from '../../src/modules/incidents/http/incident-report-render';
import { slaView, slaPolicyOf } from '../../src/modules/incidents/app/sla-use-cases';
import type { TimelineEntry } from '../../src/modules/incidents/domain/incident-timeline';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';
import { DEFAULT_SLA_TARGETS, slaPolicySchema } from '../../src/config/client-settings-schema';

const T0 = '2026-03-10T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const owner: Actor = { id: 'sub-owner', name: 'olga.owner' };
const agent: Actor = { id: 'sub-agent', name: 'alice.agent' };
const ownerContact = { name: 'Olga Owner', email: 'olga@example.com' };
const invalid = (fn: () => unknown) => thrownAs(fn, InvalidInputError).issues.map((i) => `${i.field}: ${i.message}`);

function majorIncident(overrides: Partial<Incident> = {}): Incident {
  const { incident } = openIncident({
    id: 'inc-1',
    number: 'INC0000001',
    input: { shortDescription: 'Checkout down', description: 'Nobody can pay', impact: 1, urgency: 1, usersAffected: 100, service: 'web-shop', category: 'software', channel: 'api', reportedBy: 'carol', detectedAt: T0, outage: {} },
    rules: { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] },
    recordedBy: agent,
    now: T0,
  });
  return {
    ...incident,
    state: 'In Progress',
    major: true,
    majorReason: 'Every customer',
    disasterRecoveryPlan: 'DRP-1',
    disasterRecovery: { plan: 'DRP-1', source: 'service', objectives: { rto: 'PT1H', rpo: 'PT15M' } },
    ...overrides,
  };
}

describe('which disaster-recovery plan applies', () => {
  test("the service's own plan with its objectives, else the client's objectives; else the client's plan; else none", () => {
    const client = { plan: 'DRP-CLIENT', objectives: { rto: 'PT8H' } };
    expect(disasterRecoveryFor({ disasterRecoveryPlan: 'DRP-SVC', recoveryObjectives: { rto: 'PT1H', rpo: 'PT5M' } }, client)).toEqual({ plan: 'DRP-SVC', source: 'service', objectives: { rto: 'PT1H', rpo: 'PT5M' } });
    expect(disasterRecoveryFor({ disasterRecoveryPlan: 'DRP-SVC' }, client)).toEqual({ plan: 'DRP-SVC', source: 'service', objectives: { rto: 'PT8H' } });
    expect(disasterRecoveryFor({}, client)).toEqual({ plan: 'DRP-CLIENT', source: 'client', objectives: { rto: 'PT8H' } });
    expect(disasterRecoveryFor(undefined, {})).toBeUndefined();
  });
});

describe('recording disaster recovery', () => {
  test('invoked once, then recovered: RTO and RPO measured from the outage start against the targets', () => {
    const invoked = recordDisasterRecovery(majorIncident(), { action: 'invoke', reason: 'Region lost', at: at(10) }, owner, at(12));
    expect(invoked.incident.disasterRecovery?.decision).toEqual({ invoked: true, at: at(10), by: 'olga.owner', reason: 'Region lost' });
    expect(invoked.entries).toEqual([expect.objectContaining({ type: 'disaster-recovery', visibility: 'public', text: `Disaster-recovery plan invoked at ${at(10)}` })]);
    expect(invoked.entries[0]!.text).not.toContain('Region lost');
    expect(invalid(() => recordDisasterRecovery(invoked.incident, { action: 'decline', reason: 'x' }, owner, at(13)))[0]).toMatch(/^action: .*decided already/);
    const recovered = recordDisasterRecovery(invoked.incident, { action: 'recovered', restoredAt: at(75), dataRestoredTo: at(-20) }, agent, at(80));
    expect(recoveryFigures(recovered.incident)).toEqual({
      rto: { target: 'PT1H', targetMinutes: 60, achievedMinutes: 75, met: false },
      rpo: { target: 'PT15M', targetMinutes: 15, achievedMinutes: 20, met: false },
    });
    const withinTargets = recordDisasterRecovery(invoked.incident, { action: 'recovered', restoredAt: at(50), dataRestoredTo: at(-5) }, agent, at(80));
    expect(recoveryFigures(withinTargets.incident)).toMatchObject({ rto: { met: true }, rpo: { met: true } });
  });

  test('refused: on a non-major incident, without a plan, recovery before invocation, restoration before invocation or in the future, data after restoration', () => {
    expect(invalid(() => recordDisasterRecovery(majorIncident({ major: false }), { action: 'invoke', reason: 'x' }, owner, at(1)))[0]).toMatch(/major incidents only/);
    const { disasterRecovery: _dr, ...noPlan } = majorIncident();
    expect(invalid(() => recordDisasterRecovery(noPlan as Incident, { action: 'invoke', reason: 'x' }, owner, at(1)))[0]).toMatch(/no disaster-recovery plan/);
    expect(invalid(() => recordDisasterRecovery(majorIncident(), { action: 'recovered', restoredAt: at(1) }, agent, at(2)))[0]).toMatch(/once the plan has been invoked/);
    const invoked = recordDisasterRecovery(majorIncident(), { action: 'invoke', reason: 'x' }, owner, at(10)).incident;
    expect(invalid(() => recordDisasterRecovery(invoked, { action: 'recovered', restoredAt: at(5) }, agent, at(20)))).toEqual([`restoredAt: must not be before the plan was invoked (${at(10)})`]);
    expect(invalid(() => recordDisasterRecovery(invoked, { action: 'recovered', restoredAt: at(60) }, agent, at(20)))).toEqual(['restoredAt: must not be in the future']);
    expect(invalid(() => recordDisasterRecovery(invoked, { action: 'recovered', restoredAt: at(15), dataRestoredTo: at(16) }, agent, at(20)))).toEqual(['dataRestoredTo: must not be after the service was restored']);
  });
});

describe('the post-incident review', () => {
  const resolved = () => majorIncident({ state: 'Resolved', resolvedAt: at(60), resolutionCode: 'Solved (workaround)', resolutionNotes: 'Failed over' });
  const review = (input: Partial<ReviewInput> = {}): ReviewInput => ({
    findings: ['Health check missed the provider'],
    actions: [{ description: 'Extend the health check', owner: 'bob', due: at(24 * 60), link: { kind: 'problem', id: 'PRB0000001' } }],
    ...input,
  });

  test('held for resolved major incidents only', () => {
    expect(invalid(() => saveReview(majorIncident(), review(), { actor: agent, now: at(70), serviceOwner: ownerContact }))[0]).toMatch(/follows resolution/);
    expect(invalid(() => saveReview(majorIncident({ major: false, state: 'Resolved' }), review(), { actor: agent, now: at(70), serviceOwner: ownerContact }))[0]).toMatch(/major incidents only/);
    expect(saveReview(resolved(), review(), { actor: agent, now: at(70), serviceOwner: ownerContact }).incident.review?.status).toBe('open');
  });

  test('actions get stable ids, done is stamped once, completion needs a finding and stays', () => {
    const first = saveReview(resolved(), review(), { actor: agent, now: at(70), serviceOwner: ownerContact });
    expect(first.incident.review).toMatchObject({ status: 'open', serviceOwner: ownerContact, openedBy: 'alice.agent', actions: [{ id: 'A1', status: 'open' }] });
    expect(first.entries.map((e) => [e.type, e.visibility, e.text])).toEqual([['review', 'internal', 'Post-incident review opened']]);
    const second = saveReview(
      first.incident,
      review({ actions: [{ id: 'A1', description: 'Extend the health check', owner: 'bob', due: at(24 * 60), status: 'done' }, { description: 'Runbook', owner: 'dan', due: at(48 * 60) }], complete: true }),
      { actor: owner, now: at(90), serviceOwner: { name: 'Someone Else', email: 'x@example.com' } },
    );
    expect(second.incident.review).toMatchObject({
      status: 'completed',
      completedAt: at(90),
      completedBy: 'olga.owner',
      serviceOwner: ownerContact,
      actions: [{ id: 'A1', status: 'done', doneAt: at(90), doneBy: 'olga.owner' }, { id: 'A2', status: 'open' }],
    });
    expect(second.entries.filter((e) => e.visibility === 'public').map((e) => e.text)).toEqual(['Post-incident review completed: 1 finding(s), 2 action(s)']);
    expect(invalid(() => saveReview(second.incident, review({ complete: false }), { actor: agent, now: at(95), serviceOwner: ownerContact }))).toEqual(['complete: a completed review stays completed']);
    expect(invalid(() => saveReview(second.incident, review({ findings: [] }), { actor: agent, now: at(95), serviceOwner: ownerContact }))).toEqual(['findings: a completed review records at least one finding']);
    expect(invalid(() => saveReview(second.incident, review({ actions: [{ id: 'A9', description: 'x', owner: 'x', due: at(1) }] }), { actor: agent, now: at(95), serviceOwner: ownerContact }))[0]).toMatch(/^actions.0.id: no action A9/);
  });

  test('an overdue action is escalated once per due date; its due marker follows', () => {
    const opened = saveReview(resolved(), review({ actions: [{ description: 'Extend the health check', owner: 'bob', due: at(120) }] }), { actor: agent, now: at(70), serviceOwner: ownerContact }).incident;
    expect(dueMarkerDelta(resolved(), opened)).toEqual({ put: [{ due: at(120), incidentId: 'inc-1', actionId: 'A1' }], settle: [] });
    expect(overdueActions(opened.review, at(119))).toEqual([]);
    const escalated = escalateOverdueActions(opened, at(121), 'system:review-actions', ownerContact)!;
    expect(escalated.actions.map((a) => a.id)).toEqual(['A1']);
    expect(escalated.change.entries[0]).toMatchObject({ type: 'review', visibility: 'internal', text: expect.stringContaining('escalated to the service owner Olga Owner') });
    expect(escalateOverdueActions(escalated.change.incident, at(200), 'system:review-actions', ownerContact)).toBeUndefined();
    expect(dueMarkerDelta(opened, escalated.change.incident)).toEqual({ put: [], settle: [{ due: at(120), incidentId: 'inc-1', actionId: 'A1' }] });
    // A new due date makes it due (and escalatable) again.
    const moved = saveReview(escalated.change.incident, review({ actions: [{ id: 'A1', description: 'Extend the health check', owner: 'bob', due: at(300) }] }), { actor: agent, now: at(210), serviceOwner: ownerContact }).incident;
    expect(moved.review!.actions[0]!.escalatedAt).toBeUndefined();
    expect(dueMarkerDelta(escalated.change.incident, moved).put).toEqual([{ due: at(300), incidentId: 'inc-1', actionId: 'A1' }]);
  });

  test('the aggregates count majors declared, reviews completed, and pending reviews and open actions as a state', () => {
    const before = majorIncident({ major: false });
    const declared = { ...majorIncident(), updatedAt: at(5) };
    expect(aggregateDelta(before, declared).counters.find((c) => c.service === 'web-shop' && c.key.startsWith('DAY#'))?.add).toEqual({ majorDeclared: 1 });
    const done = saveReview(resolved(), review({ complete: true }), { actor: agent, now: at(70), serviceOwner: ownerContact }).incident;
    const backlog = (d: ReturnType<typeof aggregateDelta>) => d.counters.find((c) => c.service === 'web-shop' && c.key === 'OPEN')?.add;
    expect(backlog(aggregateDelta(declared, resolved()))).toMatchObject({ reviewsPending: 1 });
    const completing = aggregateDelta(resolved(), done);
    expect(completing.counters.find((c) => c.service === 'web-shop' && c.key === 'DAY#2026-03-10')?.add).toEqual({ reviewsCompleted: 1 });
    expect(backlog(completing)).toEqual({ reviewsPending: -1, reviewActionsOpen: 1 });
  });
});

describe('the incident report', () => {
  const settings = { timeZone: 'UTC', slaTargets: DEFAULT_SLA_TARGETS, sla: slaPolicySchema.parse({}) };
  const entries: TimelineEntry[] = [
    { type: 'work-note', at: at(3), actor: 'alice.agent', visibility: 'internal', text: 'SECRET work note' },
    { type: 'communication', at: at(4), actor: 'olga.owner', visibility: 'public', field: 'update', subject: 'Failover under way', text: 'Next update at 13:00', recipients: ['Priya Shah'], effect: 'inc-1#v5#notify#x' },
    { type: 'state-change', at: at(60), actor: 'alice.agent', visibility: 'public', from: 'In Progress', to: 'Resolved', text: 'Failed over' },
  ];
  const incident = (() => {
    const invoked = recordDisasterRecovery(majorIncident(), { action: 'invoke', reason: 'SECRET reason' }, owner, at(10)).incident;
    const recovered = recordDisasterRecovery(invoked, { action: 'recovered', restoredAt: at(50), dataRestoredTo: at(-10) }, agent, at(55)).incident;
    const resolvedIncident: Incident = { ...recovered, state: 'Resolved', resolvedAt: at(60), resolutionCode: 'Solved (workaround)', resolutionNotes: 'Failed over' };
    return saveReview(resolvedIncident, { findings: ['Slow detection'], actions: [{ description: 'Alarm on the provider', owner: 'bob', due: at(30) }], complete: true }, { actor: agent, now: at(70), serviceOwner: ownerContact }).incident;
  })();
  const build = (audience: 'desk' | 'client') =>
    buildIncidentReport({
      incident,
      entries: audience === 'desk' ? entries : entries.filter((e) => e.visibility === 'public'),
      sla: slaView(incident, slaPolicyOf(settings), new Date(at(80))),
      problems: [{ id: 'p1', number: 'PRB0000001', title: 'Provider health', state: 'Known Error', knownError: { id: 'ke', title: 'KE', rootCause: 'SECRET cause', workaround: 'fail over', fixStatus: 'planned' } }],
      audience,
      now: at(80),
    });

  test('impact, timeline, DR, communications and actions come from the record', () => {
    const report = build('desk');
    expect(report.impact).toMatchObject({ services: ['web-shop'], usersAffected: 100, outage: { start: T0, end: at(60), ongoing: false }, outageMinutes: 60, userOutageMinutes: 6000 });
    expect(report.impact.sla.map((t) => t.target)).toEqual(['acknowledge', 'respond', 'resolve']);
    expect(report.timeline.map((t) => `${t.at.slice(11, 16)} ${t.source} ${t.type}`)).toEqual([
      '12:00 incident created',
      '12:00 incident outage-start',
      '12:03 incident work-note',
      '12:04 communication communication',
      '13:00 incident state-change',
      '13:00 incident outage-end',
    ]);
    expect(report.disasterRecovery).toMatchObject({ plan: 'DRP-1', invoked: true, reason: 'SECRET reason', rto: { achievedMinutes: 50, met: true }, rpo: { achievedMinutes: 10, met: true } });
    expect(report.communications).toEqual([{ at: at(4), kind: 'update', subject: 'Failover under way', message: 'Next update at 13:00', recipients: ['Priya Shah'] }]);
    expect(report.actions).toEqual([expect.objectContaining({ id: 'A1', owner: 'bob', overdue: true })]);
    expect(report.rootCause.problems[0]!.knownError?.rootCause).toBe('SECRET cause');
  });

  test('the client version, in every format, leaves out internal entries and fields', () => {
    const report = build('client');
    for (const text of [JSON.stringify(report), incidentReportToMarkdown(report), incidentReportToHtml(report)]) {
      expect(text).not.toContain('SECRET');
      expect(text).not.toContain('Every customer');
      expect(text).not.toContain('DRP-1');
      expect(text).not.toContain('Priya Shah');
      expect(text).toContain('Failover under way');
    }
    expect(report.actions[0]).not.toHaveProperty('owner');
  });

  test('the HTML escapes what callers wrote; the Markdown keeps table cells on one line', () => {
    const report = build('desk');
    const hostile = { ...report, summary: { ...report.summary, title: '<script>alert(1)</script>', description: 'a|b\nc' } };
    const html = incidentReportToHtml(hostile);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(incidentReportToMarkdown(hostile)).toContain('| Description | a\\|b c |');
  });
});
