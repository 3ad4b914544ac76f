import { promoteWarningAlarm, promotionDueAt, startTracking, trackAlarmState, type AlarmTrackingPolicy } from '../../src/modules/incidents/domain/alarm-tracking';
import { openIncident, type Incident } from '../../src/modules/incidents/domain/incident';
import { DEFAULT_PRIORITY_MATRIX } from '../../src/kernel/domain/priority';

const policy: AlarmTrackingPolicy = { flappingChanges: 5, flappingWindowMs: 3_600_000, warningPromotionAfterMs: 30 * 60_000 };
const rules = { matrix: DEFAULT_PRIORITY_MATRIX, usersAffected: [], concurrentIncidents: [] };
const at = (minutes: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + minutes * 60_000).toISOString();

function alarmIncident(severity: 'warning' | 'error' = 'warning'): Incident {
  const { incident } = openIncident({
    id: 'i-1', number: 'INC0000001',
    input: { shortDescription: 'CloudWatch alarm disk-low is in ALARM', description: 'x', impact: 2, urgency: severity === 'error' ? 1 : 2, service: 'erp', category: 'monitoring', channel: 'monitoring', reportedBy: 'system:monitoring', detectedAt: at(0) },
    rules, recordedBy: { id: 'system:monitoring', name: 'system:monitoring' }, now: at(0),
  });
  return { ...incident, alarm: startTracking(severity, at(0)) };
}

describe('tracking an alarm state', () => {
  test('a repeated ALARM is no change; OK is, and moves stateSince', () => {
    const start = startTracking('warning', at(0));
    const again = trackAlarmState(start, 'ALARM', at(5), policy);
    expect(again).toMatchObject({ changed: false, becameFlapping: false, tracking: { state: 'ALARM', stateSince: at(0), changes: [at(0)] } });
    const ok = trackAlarmState(again.tracking, 'OK', at(7), policy);
    expect(ok).toMatchObject({ changed: true, tracking: { state: 'OK', stateSince: at(7), changes: [at(0), at(7)] } });
  });

  test('five changes within the hour make it flapping, reported once; it stops when the window empties', () => {
    let tracking = startTracking('warning', at(0));
    const reports: boolean[] = [];
    ['OK', 'ALARM', 'OK', 'ALARM', 'OK'].forEach((state, i) => {
      const next = trackAlarmState(tracking, state as 'ALARM' | 'OK', at(5 * (i + 1)), policy);
      reports.push(next.becameFlapping);
      tracking = next.tracking;
    });
    expect(reports).toEqual([false, false, false, true, false]);
    expect(tracking.flapping).toBe(true);
    // Two hours later the old changes have left the window.
    const calm = trackAlarmState(tracking, 'ALARM', at(180), policy);
    expect(calm.tracking).toMatchObject({ flapping: false, changes: [at(180)] });
  });

  test('changes spread over more than the window never flap', () => {
    let tracking = startTracking('warning', at(0));
    for (let i = 1; i <= 10; i++) tracking = trackAlarmState(tracking, i % 2 ? 'OK' : 'ALARM', at(i * 20), policy).tracking;
    expect(tracking.flapping).toBe(false);
  });
});

describe('warning promotion', () => {
  test('due after the period while a warning stays in ALARM; not for errors, after OK, once promoted, or without a period', () => {
    const incident = alarmIncident();
    expect(promotionDueAt(incident, policy)?.toISOString()).toBe(at(30));
    expect(promotionDueAt(alarmIncident('error'), policy)).toBeUndefined();
    const cleared = { ...incident, alarm: trackAlarmState(incident.alarm!, 'OK', at(10), policy).tracking };
    expect(promotionDueAt(cleared, policy)).toBeUndefined();
    // Back in ALARM: the period starts again from then.
    const again = { ...cleared, alarm: trackAlarmState(cleared.alarm, 'ALARM', at(20), policy).tracking };
    expect(promotionDueAt(again, policy)?.toISOString()).toBe(at(50));
    expect(promotionDueAt({ ...incident, alarm: { ...incident.alarm!, promotedAt: at(30) } }, policy)).toBeUndefined();
    expect(promotionDueAt(incident, { warningPromotionAfterMs: undefined })).toBeUndefined();
    expect(promotionDueAt({ ...incident, state: 'Resolved' }, policy)).toBeUndefined();
  });

  test('promotion raises the urgency to an error\'s, with a reason for the priority change, and escalates to the service owner', () => {
    const incident = alarmIncident();
    expect(incident.priority).toBe('P3');
    const { incident: promoted, entries } = promoteWarningAlarm({ incident, rules, after: 'PT30M', serviceOwner: 'Olga Byrne', now: at(30) });
    expect(promoted).toMatchObject({ urgency: 1, impact: 2, priority: 'P2', escalationLevel: 1, version: incident.version + 1 });
    expect(promoted.alarm).toMatchObject({ severity: 'error', promotedAt: at(30) });
    expect(promoted.escalations).toEqual([expect.objectContaining({ kind: 'hierarchical', to: 'Olga Byrne', reason: 'Warning alarm still in ALARM after PT30M: promoted to error' })]);
    expect(entries.map((e) => e.type)).toEqual(['field-change', 'priority-change', 'escalation']);
    expect(promoted.priorityReasons.at(-1)).toContain('promoted to error');
  });
});
