import { mayUseOnCall, type Caller, type OnCallAction } from '../../../kernel/domain/access-policy';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import type { AuditLog, Clock, IdSource, Page, PageRequest } from '../../../kernel/app/ports';
import type { Priority } from '../../../kernel/domain/priority';
import { recordChangeEntry } from '../../audit/app';
import {
  changePolicy,
  firings,
  newPolicy,
  pagesFor,
  selectPolicy,
  type EscalationPolicy,
  type EscalationPolicyChanges,
  type EscalationPolicyDefinition,
  type Page as Paged,
  type ScheduleDefinition,
} from '../domain';
import type { PolicyRepository, ScheduleRepository } from './ports';

/** Escalation policies (README "On call"): who is paged, in which order, for which services and priorities. */
export interface PolicyDeps {
  readonly policies: PolicyRepository;
  readonly schedules: ScheduleRepository;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly audit: AuditLog;
  /** What applies when no policy does: the client's contacts #1–#3 and service owner (defaultPolicyFromContacts). */
  readonly defaultPolicy: EscalationPolicyDefinition;
}

/** Policies read to choose one; a client has tens at most. */
const MAX_POLICIES_READ = 500;

function requireAccess(caller: Caller, action: OnCallAction): void {
  if (!mayUseOnCall(caller, action)) throw new ForbiddenError(action === 'oncall:read' ? 'Your role may not read escalation policies' : 'Your role may not change escalation policies', 'role');
}

/** Every schedule a policy pages must exist: a typo would page nobody when it matters. */
async function assertSchedulesExist(deps: PolicyDeps, policy: EscalationPolicyDefinition): Promise<void> {
  const missing: { field: string; message: string }[] = [];
  for (const [i, step] of policy.steps.entries()) {
    for (const [j, target] of step.targets.entries()) {
      if (target.kind === 'schedule' && !(await deps.schedules.get(target.scheduleId))) {
        missing.push({ field: `steps.${i}.targets.${j}.scheduleId`, message: `schedule ${target.scheduleId} does not exist` });
      }
    }
  }
  if (missing.length > 0) throw new InvalidInputError(missing);
}

export async function createPolicy(deps: PolicyDeps, caller: Caller, input: EscalationPolicyDefinition): Promise<EscalationPolicy> {
  requireAccess(caller, 'oncall:manage');
  const policy = newPolicy(input, deps.ids.newId(), caller.name, deps.clock.now());
  await assertSchedulesExist(deps, policy);
  await deps.policies.create(policy);
  await deps.audit.record(recordChangeEntry(caller, 'escalation-policy:create', { type: 'escalation-policy', id: policy.id }, undefined, policy));
  return policy;
}

export async function getPolicy(deps: PolicyDeps, caller: Caller, id: string): Promise<EscalationPolicy> {
  requireAccess(caller, 'oncall:read');
  const policy = await deps.policies.get(id);
  if (!policy) throw new NotFoundError(`Escalation policy ${id} not found`, 'id');
  return policy;
}

export async function listPolicies(deps: PolicyDeps, caller: Caller, page: PageRequest): Promise<Page<EscalationPolicy>> {
  requireAccess(caller, 'oncall:read');
  return deps.policies.list(page);
}

export async function updatePolicy(deps: PolicyDeps, caller: Caller, id: string, changes: EscalationPolicyChanges, ifMatch: VersionPrecondition | undefined): Promise<EscalationPolicy> {
  requireAccess(caller, 'oncall:manage');
  const current = await getPolicy(deps, caller, id);
  assertVersionPrecondition(ifMatch, current.version, 'the policy you read');
  const next = changePolicy(current, changes, caller.name, deps.clock.now());
  if (changes.steps) await assertSchedulesExist(deps, next);
  await deps.policies.save(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, 'escalation-policy:update', { type: 'escalation-policy', id }, current, next));
  return next;
}

export interface Resolution {
  readonly service?: string;
  readonly priority: Priority;
  readonly at: string;
  /** The chosen policy's id, or `default` for the client's contacts. */
  readonly policy: string;
  readonly name: string;
  /** Every firing of the policy, had paging started at `at`: when, and who it pages then. */
  readonly firings: readonly { readonly step: number; readonly round: number; readonly at: string; readonly pages: readonly Paged[] }[];
}

/** Which policy an incident of this service and priority gets, and who each of its steps would page from `at` on. */
export async function resolvePaging(deps: PolicyDeps, caller: Caller, query: { service?: string; priority: Priority; at?: string }): Promise<Resolution> {
  requireAccess(caller, 'oncall:read');
  const policies: EscalationPolicy[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.policies.list({ limit: 100, ...(nextToken && { nextToken }) });
    policies.push(...page.items);
    nextToken = policies.length < MAX_POLICIES_READ ? page.nextToken : undefined;
  } while (nextToken);
  const chosen = selectPolicy(policies, query.service, query.priority);
  const policy = chosen ?? deps.defaultPolicy;
  const schedules: Record<string, ScheduleDefinition> = {};
  for (const step of policy.steps) {
    for (const target of step.targets) {
      if (target.kind === 'schedule' && !(target.scheduleId in schedules)) {
        const schedule = await deps.schedules.get(target.scheduleId);
        if (schedule) schedules[target.scheduleId] = schedule;
      }
    }
  }
  const start = query.at === undefined ? deps.clock.now() : new Date(query.at);
  return {
    ...(query.service !== undefined && { service: query.service }),
    priority: query.priority,
    at: start.toISOString(),
    policy: chosen?.id ?? 'default',
    name: policy.name,
    firings: firings(policy).map(({ step, round, atMinutes }) => {
      const at = new Date(start.getTime() + atMinutes * 60_000);
      return { step, round, at: at.toISOString(), pages: pagesFor(policy, step, round, at, { schedules }) };
    }),
  };
}
