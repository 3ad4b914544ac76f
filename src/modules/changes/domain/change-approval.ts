import { isSamePerson, type Caller, type Role } from '../../../kernel/domain/access-policy';
import type { RiskClass } from './change-risk';
import { LifecycleError } from '../../../kernel/domain/domain-errors';

/**
 * Who must approve a change, and what the votes decide. Pure.
 *
 * | change type | risk class | approvers                                                        |
 * |-------------|------------|------------------------------------------------------------------|
 * | standard    | any        | none: pre-approved by its template                                |
 * | normal      | low        | a change manager (two when the assessor rated it down to low)    |
 * | normal      | medium     | a change manager + the owner of each affected service            |
 * | normal      | high, v.h. | a change manager + each service owner + `cabQuorum` CAB members  |
 * | emergency   | any        | any one emergency approver                                       |
 *
 * Plus one client approver where the client's config requires it for the class (not for
 * standard changes). One rejection rejects; nobody votes on their own change, nobody votes twice.
 *
 * Segregation of duties (ISO 27001 A.5.3; issue 20): whoever assessed a change does not approve
 * it (the rating decides who approves), and whoever approved it does not implement it
 * (change-use-cases.ts). A standard change is one that names a template the client registered
 * (`changes.standardTemplates`); naming any other makes it a normal change.
 */
export const APPROVER_CAPACITIES = ['change-manager', 'service-owner', 'cab', 'client', 'emergency'] as const;
export type ApproverCapacity = (typeof APPROVER_CAPACITIES)[number];

export interface ApprovalRequirement {
  readonly capacity: ApproverCapacity;
  /** Approvals needed in this capacity. */
  readonly count: number;
  /** For `service-owner`: the service and the username of its owner. */
  readonly service?: string;
  readonly username?: string;
}

export interface Vote {
  readonly by: string;
  readonly capacity: ApproverCapacity;
  readonly service?: string;
  readonly decision: 'approve' | 'reject';
  readonly reason: string;
  /** When the voter voted (for a relayed vote: when they voted there). */
  readonly at: string;
  /** A vote cast elsewhere (the client's ServiceNow): the integration that relayed it, and when it was recorded here. */
  readonly via?: string;
  readonly recordedAt?: string;
}

export interface ApprovalRules {
  /** CAB members needed for high and very high risk. */
  readonly cabQuorum: number;
  /** Risk classes for which the client approves too. */
  readonly clientApproval: readonly RiskClass[];
}

export type ChangeType = 'standard' | 'normal' | 'emergency';

/**
 * A change raised as standard is one only if its template is registered; naming another makes it a
 * normal change (naming none is refused, 400 `template`, by the change itself).
 */
export function effectiveChangeType(type: ChangeType, template: string | undefined, registeredTemplates: readonly string[]): ChangeType {
  return type === 'standard' && template !== undefined && !registeredTemplates.includes(template) ? 'normal' : type;
}

export function requiredApprovals(
  type: ChangeType,
  riskClass: RiskClass,
  serviceOwners: readonly { readonly service: string; readonly username: string }[],
  rules: ApprovalRules,
  /** The assessor rated the change down to low: one change manager would be the only approver, so two are asked. */
  ratedDownToLow = false,
): ApprovalRequirement[] {
  if (type === 'standard') return [];
  const client: ApprovalRequirement[] = rules.clientApproval.includes(riskClass) ? [{ capacity: 'client', count: 1 }] : [];
  if (type === 'emergency') return [{ capacity: 'emergency', count: 1 }, ...client];
  const requirements: ApprovalRequirement[] = [{ capacity: 'change-manager', count: riskClass === 'low' && ratedDownToLow ? 2 : 1 }];
  if (riskClass !== 'low') {
    for (const owner of serviceOwners) requirements.push({ capacity: 'service-owner', count: 1, service: owner.service, username: owner.username });
  }
  if (riskClass === 'high' || riskClass === 'very high') requirements.push({ capacity: 'cab', count: rules.cabQuorum });
  return [...requirements, ...client];
}

const CAPACITY_ROLE: Readonly<Record<Exclude<ApproverCapacity, 'service-owner'>, Role>> = {
  'change-manager': 'change-manager',
  cab: 'cab',
  client: 'client-approver',
  emergency: 'emergency-approver',
};

/** Whether the caller may vote to fill the requirement (by role, or as that service's owner). */
export function mayFill(caller: Caller, requirement: ApprovalRequirement): boolean {
  if (requirement.capacity === 'service-owner') return requirement.username === caller.name;
  return caller.roles.includes(CAPACITY_ROLE[requirement.capacity]);
}

const approvalsFor = (votes: readonly Vote[], r: ApprovalRequirement) =>
  votes.filter((v) => v.decision === 'approve' && v.capacity === r.capacity && v.service === r.service).length;

/** Requirements not yet met by the votes cast. */
export function outstanding(requirements: readonly ApprovalRequirement[], votes: readonly Vote[]): ApprovalRequirement[] {
  return requirements.filter((r) => approvalsFor(votes, r) < r.count);
}

/**
 * Checks a vote and returns it with the requirement it fills; throws a 409-kind error for a vote
 * on one's own change, a second vote, or a vote nobody asked of the caller.
 */
export function castVote(
  change: {
    readonly requestedBy: string;
    readonly requestedById?: string | undefined;
    readonly approvals: readonly ApprovalRequirement[];
    readonly votes: readonly Vote[];
    /** Who assessed it (rated the risk that decides the approvers). */
    readonly assessedBy?: string | undefined;
  },
  caller: Caller,
  vote: { readonly decision: 'approve' | 'reject'; readonly reason: string; readonly capacity?: ApproverCapacity | undefined },
  at: string,
): Vote {
  if (isSamePerson(caller, change.requestedBy, change.requestedById)) throw new LifecycleError('Nobody approves or rejects their own change', 'requestedBy');
  if (vote.decision === 'approve' && change.assessedBy !== undefined && change.assessedBy === caller.name) {
    throw new LifecycleError('Whoever assessed a change does not approve it (segregation of duties): another approver must', 'assessedBy');
  }
  if (change.votes.some((v) => v.by === caller.name)) throw new LifecycleError('You have voted on this change already; each person votes once', 'votes');
  const open = outstanding(change.approvals, change.votes).filter(
    (r) => mayFill(caller, r) && (vote.capacity === undefined || r.capacity === vote.capacity),
  );
  const requirement = open[0];
  if (!requirement) {
    throw new LifecycleError(
      vote.capacity
        ? `No outstanding approval in capacity "${vote.capacity}" is yours to give`
        : 'No outstanding approval of this change is yours to give',
      'capacity',
    );
  }
  return {
    by: caller.name,
    capacity: requirement.capacity,
    ...(requirement.service !== undefined && { service: requirement.service }),
    decision: vote.decision,
    reason: vote.reason,
    at,
  };
}

/** `rejected` on any rejection; `approved` once nothing is outstanding; `pending` otherwise. */
export function decision(requirements: readonly ApprovalRequirement[], votes: readonly Vote[]): 'approved' | 'rejected' | 'pending' {
  if (votes.some((v) => v.decision === 'reject')) return 'rejected';
  return outstanding(requirements, votes).length === 0 ? 'approved' : 'pending';
}
