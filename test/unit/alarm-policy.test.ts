import { alarmEventSeverity, classifyAlarm, decideAlarmAction, globMatches, impactAndUrgency, type MonitoringPolicy } from '../../src/modules/monitoring/domain/alarm-policy';
import { cloudWatchAlarmEventSchema, CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN } from '../../src/modules/monitoring/schemas/event-rules';
import { clientSettingsSchema } from '../../src/config/client-settings-schema';
import { matchesPattern } from '../../local/eventbridge-pattern';
import sample from '../fixtures/eventbridge/cloudwatch-alarm-state-change.json';

const policy: MonitoringPolicy = {
  alarmRules: [
    { namePattern: 'prod-*-5xx', severity: 'error', service: 'web-shop' },
    { namePattern: '*Cpu*', severity: 'warning', service: 'compute' },
    { namePattern: 'billing-*', severity: 'informational' },
  ],
  defaultService: 'monitoring',
  autoResolveOnOk: false,
};

describe('alarm name patterns', () => {
  test.each([
    ['prod-*-5xx', 'prod-api-5xx', true],
    ['prod-*-5xx', 'prod--5xx', true],
    ['prod-*-5xx', 'staging-api-5xx', false],
    ['prod-*-5xx', 'prod-api-5xx-extra', false],
    ['ServerCpuTooHigh', 'ServerCpuTooHigh', true],
    ['Server.CpuTooHigh', 'ServerXCpuTooHigh', false],
    ['*', 'anything', true],
    ['a(b)+', 'a(b)+', true],
  ])('%s against %s → %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });
});

describe('severity and service', () => {
  test('the first matching rule decides', () => {
    expect(classifyAlarm(policy, 'prod-api-5xx')).toEqual({ severity: 'error', service: 'web-shop' });
    expect(classifyAlarm(policy, 'ServerCpuTooHigh')).toEqual({ severity: 'warning', service: 'compute' });
  });
  test('a rule without a service uses the default service; no rule means warning', () => {
    expect(classifyAlarm(policy, 'billing-over-budget')).toEqual({ severity: 'informational', service: 'monitoring' });
    expect(classifyAlarm(policy, 'disk-full')).toEqual({ severity: 'warning', service: 'monitoring' });
  });
  test('severity → impact and urgency', () => {
    expect(impactAndUrgency('error')).toEqual({ impact: 2, urgency: 1 });
    expect(impactAndUrgency('warning')).toEqual({ impact: 2, urgency: 2 });
    expect(impactAndUrgency('informational')).toBeUndefined();
  });
});

describe('alarm tags come before the name rules', () => {
  test('both tags override the matching rule', () => {
    expect(classifyAlarm(policy, 'prod-api-5xx', { 'itsm:severity': 'warning', 'itsm:service': 'payments' })).toEqual({ severity: 'warning', service: 'payments' });
  });
  test('each field falls back on its own: a severity tag keeps the rule service, a service tag keeps the rule severity', () => {
    expect(classifyAlarm(policy, 'prod-api-5xx', { 'itsm:severity': 'informational' })).toEqual({ severity: 'informational', service: 'web-shop' });
    expect(classifyAlarm(policy, 'prod-api-5xx', { 'itsm:service': 'payments' })).toEqual({ severity: 'error', service: 'payments' });
  });
  test('tags apply where no rule matches, over the defaults', () => {
    expect(classifyAlarm(policy, 'disk-full', { 'itsm:severity': 'error', 'itsm:service': 'storage' })).toEqual({ severity: 'error', service: 'storage' });
  });
  test('an unknown severity value, a blank service and unrelated tags are ignored', () => {
    expect(classifyAlarm(policy, 'prod-api-5xx', { 'itsm:severity': 'critical', 'itsm:service': '  ', team: 'x' })).toEqual({ severity: 'error', service: 'web-shop' });
    expect(classifyAlarm(policy, 'disk-full', {})).toEqual({ severity: 'warning', service: 'monitoring' });
  });
  test('severity tag values forgive case and padding', () => {
    expect(classifyAlarm(policy, 'disk-full', { 'itsm:severity': ' Error ' }).severity).toBe('error');
  });
  test('a tagged informational alarm is recorded only; a tagged error opens with error levels', () => {
    expect(decideAlarmAction(policy, 'prod-api-5xx', 'ALARM', { 'itsm:severity': 'informational' })).toEqual({ kind: 'record-only', why: 'informational alarm' });
    expect(decideAlarmAction(policy, 'billing-x', 'ALARM', { 'itsm:severity': 'error', 'itsm:service': 'finance' })).toEqual({ kind: 'open-or-attach', impact: 2, urgency: 1, service: 'finance', severity: 'error' });
  });
  test('the recorded event severity follows the tag for ALARM only', () => {
    expect(alarmEventSeverity(policy, 'disk-full', 'ALARM', { 'itsm:severity': 'error' })).toBe('error');
    expect(alarmEventSeverity(policy, 'disk-full', 'OK', { 'itsm:severity': 'error' })).toBe('informational');
  });
});

describe('what to do per state', () => {
  test('ALARM opens or attaches, with the severity levels', () => {
    expect(decideAlarmAction(policy, 'prod-api-5xx', 'ALARM')).toEqual({ kind: 'open-or-attach', impact: 2, urgency: 1, service: 'web-shop', severity: 'error' });
  });
  test('an informational ALARM is recorded only', () => {
    expect(decideAlarmAction(policy, 'billing-x', 'ALARM')).toEqual({ kind: 'record-only', why: 'informational alarm' });
  });
  test('OK notes the clearance; it resolves only when the client asks for it', () => {
    expect(decideAlarmAction(policy, 'prod-api-5xx', 'OK')).toEqual({ kind: 'note-cleared', resolve: false });
    expect(decideAlarmAction({ ...policy, autoResolveOnOk: true }, 'prod-api-5xx', 'OK')).toEqual({ kind: 'note-cleared', resolve: true });
  });
  test('INSUFFICIENT_DATA is recorded only', () => {
    expect(decideAlarmAction(policy, 'prod-api-5xx', 'INSUFFICIENT_DATA').kind).toBe('record-only');
  });
});

describe('monitoring settings', () => {
  const base = { id: 'example', timeZone: 'Europe/London', contacts: {
    nominated: [{ name: 'A', email: 'a@example.com' }],
    serviceOwner: { name: 'B', email: 'b@example.com' },
    providerNamed: { name: 'C', email: 'c@example.com' },
    providerBackup: { name: 'D', email: 'd@example.com' },
  } };
  test('defaults', () => {
    expect(clientSettingsSchema.parse(base).monitoring).toEqual({
      alarmRules: [],
      defaultService: 'monitoring',
      autoResolveOnOk: false,
      eventRetentionDays: 90,
      findingPriorities: { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4' },
      warningPromotionAfter: 'PT30M',
      flapping: { changes: 5, within: 'PT1H' },
      archiveFindingsOnClose: false,
    });
  });
  test('archiving GuardDuty findings on close is opt-in and a boolean', () => {
    expect(clientSettingsSchema.parse({ ...base, monitoring: { archiveFindingsOnClose: true } }).monitoring.archiveFindingsOnClose).toBe(true);
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { archiveFindingsOnClose: 'yes' } }).success).toBe(false);
  });
  test('flapping needs at least two changes and a duration; promotion a duration', () => {
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { flapping: { changes: 1, within: 'PT1H' } } }).success).toBe(false);
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { flapping: { changes: 3, within: '1h' } } }).success).toBe(false);
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { warningPromotionAfter: 'soon' } }).success).toBe(false);
  });
  test('rules are validated', () => {
    expect(clientSettingsSchema.safeParse({ ...base, monitoring: { alarmRules: [{ namePattern: 'x', severity: 'critical' }] } }).success).toBe(false);
    expect(clientSettingsSchema.parse({ ...base, monitoring: { alarmRules: [{ namePattern: 'x*', severity: 'error' }] } }).monitoring.alarmRules).toEqual([
      { namePattern: 'x*', severity: 'error' },
    ]);
  });
});

describe('the CloudWatch alarm event', () => {
  test('the real AWS sample parses, keeping fields we do not use', () => {
    const parsed = cloudWatchAlarmEventSchema.parse(sample);
    expect(parsed.detail.alarmName).toBe('ServerCpuTooHigh');
    expect(parsed.detail.state.value).toBe('ALARM');
    expect(parsed.detail.previousState?.value).toBe('OK');
    expect((parsed.detail as Record<string, unknown>)['configuration']).toBeDefined();
  });
  test('and matches the rule pattern', () => {
    expect(matchesPattern(CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN, sample)).toBe(true);
    expect(matchesPattern(CLOUDWATCH_ALARM_STATE_CHANGE_PATTERN, { ...sample, source: 'aws.guardduty' })).toBe(false);
  });
  test.each([
    ['an unknown state', { ...sample, detail: { ...sample.detail, state: { ...sample.detail.state, value: 'BROKEN' } } }],
    ['no alarm name', { ...sample, detail: { ...sample.detail, alarmName: undefined } }],
    ['no resources', { ...sample, resources: [] }],
    ['another detail-type', { ...sample, 'detail-type': 'GuardDuty Finding' }],
  ])('rejects %s', (_, event) => {
    expect(cloudWatchAlarmEventSchema.safeParse(event).success).toBe(false);
  });
});
