import type { Change } from '../../changes/domain';
import { toServiceNowDateTime } from './field-map';

/**
 * A change whose client approval is required, as a `change_request` in the client's ServiceNow,
 * and their `approval` back as the client approver's vote. Pure. The change's fields are ours
 * (pushed, never read back); `approval` is theirs once we have asked for it.
 */

/** Our lifecycle in their state model (-5 New … 4 Canceled); a rejected change is canceled there. */
const STATES: Readonly<Record<Change['state'], string>> = {
  Draft: '-5',
  Submitted: '-4',
  Assessed: '-3',
  Approved: '-2',
  Scheduled: '-2',
  Implementing: '-1',
  Implemented: '0',
  Failed: '0',
  'Backed out': '0',
  Reviewed: '0',
  Closed: '3',
  Rejected: '4',
};

/** Their risk choices: 1 Very High, 2 High, 3 Moderate, 4 Low. */
const RISKS: Readonly<Record<Change['risk']['class'], string>> = { 'very high': '1', high: '2', medium: '3', low: '4' };

/** The decisions of `change_request.approval` (and of a `sysapproval_approver` row's `state`). */
export type ServiceNowApproval = 'not requested' | 'requested' | 'approved' | 'rejected';

/** Whether the change is mirrored there: its client approval is required. */
export const isClientApproved = (change: Change) => change.approvals.some((a) => a.capacity === 'client');

/** The client approver's vote here, if cast. */
export const clientVoteOf = (change: Change) => change.votes.find((v) => v.capacity === 'client');

/**
 * What `approval` should read there: `requested` while the client's vote is outstanding, their
 * decision once recorded; nothing (left as it is) when the change was decided here without them.
 */
export function approvalOf(change: Change): ServiceNowApproval | undefined {
  const vote = clientVoteOf(change);
  if (vote) return vote.decision === 'approve' ? 'approved' : 'rejected';
  return change.state === 'Assessed' ? 'requested' : undefined;
}

/** The change in their fields (dates raw, UTC `YYYY-MM-DD HH:MM:SS`). */
export function changeRequestFields(change: Change): Record<string, string> {
  const approval = approvalOf(change);
  return {
    short_description: change.title.slice(0, 160),
    description: change.reason,
    justification: change.reason,
    type: change.type,
    risk: RISKS[change.risk.class],
    state: STATES[change.state],
    implementation_plan: change.implementationPlan,
    test_plan: change.testPlan,
    backout_plan: change.backoutPlan,
    start_date: toServiceNowDateTime(change.plannedStart),
    end_date: toServiceNowDateTime(change.plannedEnd),
    ...(approval && { approval }),
  };
}

/** Their `approval` as a vote to record here, when it is a decision. */
export function decisionOf(approval: string | undefined): 'approve' | 'reject' | undefined {
  return approval === 'approved' ? 'approve' : approval === 'rejected' ? 'reject' : undefined;
}
