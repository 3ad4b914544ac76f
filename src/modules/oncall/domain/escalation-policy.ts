import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import type { Priority } from '../../../kernel/domain/priority';
import { onCallAt, type ScheduleDefinition } from './schedule';
import { firstVersion, nextVersion, type Versioned } from './versioned';

/**
 * Escalation policies (PagerDuty's model): ordered steps, each paging its targets — everyone
 * (`all`) or one in turn (`round-robin`) — and waiting `delayMinutes` for an acknowledgement
 * before the next step; after the last step's wait the whole policy starts again, `repeat` times.
 * A policy applies to services and priorities; the most specific one wins, and a client without
 * policies keeps its configured contacts #1–#3 and service owner (defaultPolicyFromContacts).
 *
 * Pure: the schedules and the instant are parameters.
 */

export type EscalationTarget =
  | { readonly kind: 'person'; readonly username: string }
  | { readonly kind: 'schedule'; readonly scheduleId: string }
  | { readonly kind: 'service-owner' }
  | { readonly kind: 'client-contact'; readonly name: string }
  | { readonly kind: 'external'; readonly webhookUrl: string }
  | { readonly kind: 'external'; readonly phone: string };

export interface EscalationStep {
  /** Minutes this step waits for an acknowledgement before the next step (or the next round). */
  readonly delayMinutes: number;
  readonly targets: readonly EscalationTarget[];
  readonly mode: 'all' | 'round-robin';
}

export interface EscalationPolicyDefinition {
  readonly name: string;
  /** Catalogue service ids it applies to; every service when omitted. */
  readonly services?: readonly string[];
  /** Priorities it applies to; every priority when omitted. */
  readonly priorities?: readonly Priority[];
  readonly steps: readonly EscalationStep[];
  /** How many more times the whole policy runs after its first round. */
  readonly repeat: number;
}

/** Someone (or something) paged, as far as the policy alone can tell. */
export type Page =
  | { readonly kind: 'person'; readonly username: string; readonly via?: { readonly scheduleId: string } }
  | { readonly kind: 'service-owner'; readonly username?: string }
  | { readonly kind: 'client-contact'; readonly name: string }
  | { readonly kind: 'external'; readonly webhookUrl: string }
  | { readonly kind: 'external'; readonly phone: string }
  /** A target with nobody behind it at that instant: a schedule's gap, or an unknown schedule. */
  | { readonly kind: 'nobody'; readonly target: EscalationTarget; readonly reason: string };

export interface PagingContext {
  /** The schedules the policy's schedule targets name, by id. */
  readonly schedules: Readonly<Record<string, ScheduleDefinition>>;
  /** The service owner's username, when the caller knows the service. */
  readonly serviceOwner?: string;
  /** Which target a round-robin step starts from (e.g. the incident's number), so incidents spread. */
  readonly rotation?: number;
}

export const MAX_STEPS = 10;
export const MAX_REPEAT = 9;

/** What is wrong with a policy, field by field; empty when it is usable. */
export function policyProblems(policy: EscalationPolicyDefinition): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (policy.steps.length === 0) problems.push({ field: 'steps', message: 'must list at least one step' });
  if (policy.steps.length > MAX_STEPS) problems.push({ field: 'steps', message: `must list at most ${MAX_STEPS} steps` });
  if (!Number.isInteger(policy.repeat) || policy.repeat < 0 || policy.repeat > MAX_REPEAT) problems.push({ field: 'repeat', message: `must be a whole number from 0 to ${MAX_REPEAT}` });
  policy.steps.forEach((step, i) => {
    if (step.targets.length === 0) problems.push({ field: `steps.${i}.targets`, message: 'must name at least one target' });
    if (!Number.isInteger(step.delayMinutes) || step.delayMinutes < 1 || step.delayMinutes > 1440) problems.push({ field: `steps.${i}.delayMinutes`, message: 'must be a whole number of minutes from 1 to 1440' });
  });
  return problems;
}

/** The step and round under way `minutes` after paging started; undefined once the last round's last wait is over. */
export function firingAt(policy: EscalationPolicyDefinition, minutes: number): { readonly step: number; readonly round: number; readonly firedAtMinutes: number } | undefined {
  if (!(minutes >= 0)) return undefined;
  const cycle = policy.steps.reduce((sum, step) => sum + step.delayMinutes, 0);
  const round = Math.floor(minutes / cycle);
  if (round > policy.repeat) return undefined;
  let offset = round * cycle;
  for (let step = 0; step < policy.steps.length; step++) {
    const next = offset + policy.steps[step]!.delayMinutes;
    if (minutes < next) return { step, round, firedAtMinutes: offset };
    offset = next;
  }
  return undefined;
}

/** Every firing of the policy, in order: step, round and minutes after paging started. */
export function firings(policy: EscalationPolicyDefinition): { readonly step: number; readonly round: number; readonly atMinutes: number }[] {
  const all: { step: number; round: number; atMinutes: number }[] = [];
  let at = 0;
  for (let round = 0; round <= policy.repeat; round++) {
    policy.steps.forEach((step, index) => {
      all.push({ step: index, round, atMinutes: at });
      at += step.delayMinutes;
    });
  }
  return all;
}

function resolve(target: EscalationTarget, at: Date, context: PagingContext): Page[] {
  switch (target.kind) {
    case 'person':
      return [{ kind: 'person', username: target.username }];
    case 'schedule': {
      const schedule = context.schedules[target.scheduleId];
      if (!schedule) return [{ kind: 'nobody', target, reason: `schedule ${target.scheduleId} not found` }];
      const people = onCallAt(schedule, at);
      if (people.length === 0) return [{ kind: 'nobody', target, reason: `nobody is on call on schedule ${target.scheduleId} at ${at.toISOString()}` }];
      return people.map((username) => ({ kind: 'person', username, via: { scheduleId: target.scheduleId } }));
    }
    case 'service-owner':
      return [context.serviceOwner !== undefined ? { kind: 'service-owner', username: context.serviceOwner } : { kind: 'service-owner' }];
    case 'client-contact':
      return [{ kind: 'client-contact', name: target.name }];
    case 'external':
      return ['webhookUrl' in target ? { kind: 'external', webhookUrl: target.webhookUrl } : { kind: 'external', phone: target.phone }];
  }
}

/**
 * Who is paged when step `step` of round `round` fires at `at`: every target's people (`all`),
 * or one target in turn (`round-robin`: the round and the context's rotation pick it). A schedule
 * target pages whoever is on call at `at`.
 */
export function pagesFor(policy: EscalationPolicyDefinition, step: number, round: number, at: Date, context: PagingContext): Page[] {
  const current = policy.steps[step];
  if (!current) throw new RangeError(`The policy has no step ${step}`);
  if (!Number.isInteger(round) || round < 0 || round > policy.repeat) throw new RangeError(`The policy has no round ${round}`);
  const targets = current.mode === 'all' ? current.targets : [current.targets[(round + (context.rotation ?? 0)) % current.targets.length]!];
  return targets.flatMap((target) => resolve(target, at, context));
}

/**
 * The policy for an incident: the most specific one that applies (service and priority, then
 * service, then priority, then one for everything); ties go to the first listed. Undefined when
 * none applies: the caller falls back to the default policy.
 */
export function selectPolicy<P extends EscalationPolicyDefinition>(policies: readonly P[], service: string | undefined, priority: Priority): P | undefined {
  let best: P | undefined;
  let bestRank = -1;
  for (const policy of policies) {
    const services = policy.services ?? [];
    const priorities = policy.priorities ?? [];
    if (services.length > 0 && (service === undefined || !services.includes(service))) continue;
    if (priorities.length > 0 && !priorities.includes(priority)) continue;
    const rank = (services.length > 0 ? 2 : 0) + (priorities.length > 0 ? 1 : 0);
    if (rank > bestRank) {
      best = policy;
      bestRank = rank;
    }
  }
  return best;
}

/** The client configuration's escalation (sla.escalation and contacts), structurally. */
export interface ConfiguredEscalation {
  readonly levels: readonly { readonly notify: 'nominated-1' | 'nominated-2' | 'nominated-3' | 'service-owner'; readonly after: string }[];
  readonly repeatLast: { readonly times: number; readonly every: string };
  readonly nominated: readonly { readonly name: string }[];
}

const minutesOf = (duration: string) => Math.round((parseIsoDuration(duration) ?? 0) / 60_000);

/**
 * The policy a client without escalation policies has: its configured levels in order (contacts
 * #1–#3, then the service owner), each waiting until the next level's `after`, the last one
 * `repeatLast.every`; the policy runs again `repeatLast.times` times. Levels naming a contact the
 * client has not nominated are left out.
 */
export function defaultPolicyFromContacts(configured: ConfiguredEscalation): EscalationPolicyDefinition {
  const levels = configured.levels.filter((level) => level.notify === 'service-owner' || configured.nominated[Number(level.notify.slice(-1)) - 1] !== undefined);
  const steps = levels.map((level, i): EscalationStep => {
    const next = levels[i + 1];
    const delay = next ? minutesOf(next.after) - minutesOf(level.after) : minutesOf(configured.repeatLast.every);
    const target: EscalationTarget =
      level.notify === 'service-owner' ? { kind: 'service-owner' } : { kind: 'client-contact', name: configured.nominated[Number(level.notify.slice(-1)) - 1]!.name };
    return { delayMinutes: Math.min(1440, Math.max(1, delay)), targets: [target], mode: 'all' };
  });
  return { name: 'Default (client contacts)', steps, repeat: Math.min(MAX_REPEAT, configured.repeatLast.times) };
}

export function assertUsablePolicy(policy: EscalationPolicyDefinition): void {
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new InvalidInputError(problems);
}

/** A stored escalation policy. */
export interface EscalationPolicy extends EscalationPolicyDefinition, Versioned {}

export type EscalationPolicyChanges = Partial<EscalationPolicyDefinition>;

export function newPolicy(input: EscalationPolicyDefinition, id: string, by: string, now: Date): EscalationPolicy {
  const policy: EscalationPolicy = { ...firstVersion(id, by, now), ...input };
  assertUsablePolicy(policy);
  return policy;
}

export function changePolicy(current: EscalationPolicy, changes: EscalationPolicyChanges, by: string, now: Date): EscalationPolicy {
  const next = nextVersion<EscalationPolicy>(current, changes, by, now);
  assertUsablePolicy(next);
  return next;
}
