import type { Impact, Urgency } from '../../../kernel/domain/priority';

/** How monitoring events become incidents: pure decisions from the client's monitoring settings. */

export const ALARM_SEVERITIES = ['error', 'warning', 'informational'] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];

export interface AlarmRule {
  /** Alarm name, `*` matching any run of characters. */
  readonly namePattern: string;
  readonly severity: AlarmSeverity;
  readonly service?: string;
}

export interface MonitoringPolicy {
  readonly alarmRules: readonly AlarmRule[];
  readonly defaultService: string;
  readonly autoResolveOnOk: boolean;
}

export const DEFAULT_ALARM_SEVERITY: AlarmSeverity = 'warning';

export function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(name);
}

export interface AlarmClassification {
  readonly severity: AlarmSeverity;
  readonly service: string;
}

/** The tags on a CloudWatch alarm (key → value), as the CloudWatch API lists them. */
export type AlarmTags = Readonly<Record<string, string>>;

export const ALARM_SEVERITY_TAG = 'itsm:severity';
export const ALARM_SERVICE_TAG = 'itsm:service';

/** Only ALARM classifies the alarm: OK and INSUFFICIENT_DATA need no tags, so none are looked up for them. */
export function needsAlarmTags(state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'): boolean {
  return state === 'ALARM';
}

/** The severity an alarm's `itsm:severity` tag names, if it names one of ours (case and padding forgiven). */
export function taggedSeverity(tags: AlarmTags | undefined): AlarmSeverity | undefined {
  const value = tags?.[ALARM_SEVERITY_TAG]?.trim().toLowerCase();
  return ALARM_SEVERITIES.find((severity) => severity === value);
}

/** The service an alarm's `itsm:service` tag names, if it is not blank. */
export function taggedService(tags: AlarmTags | undefined): string | undefined {
  const value = tags?.[ALARM_SERVICE_TAG]?.trim();
  return value ? value : undefined;
}

/**
 * Severity and service each come from the alarm's own tags first (whoever owns the alarm knows it
 * best), then from the first rule whose pattern matches the alarm name, then the defaults (warning,
 * the default service). A tag with a value we do not know is ignored, as if absent.
 */
export function classifyAlarm(policy: MonitoringPolicy, alarmName: string, tags?: AlarmTags): AlarmClassification {
  const rule = policy.alarmRules.find((r) => globMatches(r.namePattern, alarmName));
  return {
    severity: taggedSeverity(tags) ?? rule?.severity ?? DEFAULT_ALARM_SEVERITY,
    service: taggedService(tags) ?? rule?.service ?? policy.defaultService,
  };
}

/** Impact and urgency for a severity; informational alarms are recorded, never incidents. */
export function impactAndUrgency(severity: AlarmSeverity): { impact: Impact; urgency: Urgency } | undefined {
  switch (severity) {
    case 'error':
      return { impact: 2, urgency: 1 };
    case 'warning':
      return { impact: 2, urgency: 2 };
    case 'informational':
      return undefined;
  }
}

export type AlarmAction =
  | { readonly kind: 'open-or-attach'; readonly impact: Impact; readonly urgency: Urgency; readonly service: string; readonly severity: AlarmSeverity }
  | { readonly kind: 'note-cleared'; readonly resolve: boolean }
  | { readonly kind: 'record-only'; readonly why: string };

export function decideAlarmAction(policy: MonitoringPolicy, alarmName: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', tags?: AlarmTags): AlarmAction {
  if (state === 'INSUFFICIENT_DATA') return { kind: 'record-only', why: 'insufficient data' };
  if (state === 'OK') return { kind: 'note-cleared', resolve: policy.autoResolveOnOk };
  const { severity, service } = classifyAlarm(policy, alarmName, tags);
  const levels = impactAndUrgency(severity);
  if (!levels) return { kind: 'record-only', why: 'informational alarm' };
  return { kind: 'open-or-attach', ...levels, service, severity };
}

export const CLEARED_RESOLUTION_CODE = 'Cleared by monitoring' as const;

/** Severity of a monitoring event as recorded for the events list and trends (same scale as alarms). */
export type EventSeverity = AlarmSeverity;
export const EVENT_SEVERITIES = ALARM_SEVERITIES;

/**
 * The recorded severity of an alarm state change: ALARM carries the alarm's classification; OK
 * (a clearance) and INSUFFICIENT_DATA are informational.
 */
export function alarmEventSeverity(policy: MonitoringPolicy, alarmName: string, state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', tags?: AlarmTags): EventSeverity {
  return state === 'ALARM' ? classifyAlarm(policy, alarmName, tags).severity : 'informational';
}

/**
 * The recorded severity of a security finding event: critical and high findings are errors,
 * medium and low warnings; closed, suppressed, informational and untriaged findings open nothing
 * and are informational.
 */
export function findingEventSeverity(severity: 'critical' | 'high' | 'medium' | 'low' | undefined, status: 'active' | 'closed' | 'suppressed'): EventSeverity {
  if (status !== 'active' || severity === undefined) return 'informational';
  return severity === 'critical' || severity === 'high' ? 'error' : 'warning';
}
