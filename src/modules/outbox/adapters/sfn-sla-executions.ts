import { DescribeExecutionCommand, ExecutionDoesNotExist, type SFNClient } from '@aws-sdk/client-sfn';
import { slaExecutionName } from '../../incidents/adapters';
import type { OpenSlaClock, SlaExecutions } from '../app/reconcile-effects';

/**
 * Whether the SLA workflow has an execution for a clock generation: DescribeExecution on the name
 * the scheduler gives it (`<incidentId>-g<generation>`, sfn-sla-scheduler.ts). ExecutionDoesNotExist
 * is the one answer that means no; anything else is thrown (the run counts it as failed).
 */
export class SfnSlaExecutions implements SlaExecutions {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async exists(run: OpenSlaClock): Promise<boolean> {
    try {
      await this.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(this.stateMachineArn, slaExecutionName(run)) }));
      return true;
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist || (error as { name?: string }).name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  }
}

/** arn:…:states:<region>:<account>:stateMachine:<name> → arn:…:states:<region>:<account>:execution:<name>:<execution>. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  return [...parts.slice(0, 5), 'execution', parts[6], executionName].join(':');
}
