import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { SlaScheduler } from '../app/ports';

/**
 * Starts the SLA workflow with a deterministic execution name, `<incident id>-g<generation>`:
 * Step Functions refuses a second execution of the same name, so each clock generation is driven
 * by at most one execution however often the start is attempted.
 */
export class SfnSlaScheduler implements SlaScheduler {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(run: { readonly incidentId: string; readonly generation: number }): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: slaExecutionName(run),
          input: JSON.stringify({ incidentId: run.incidentId, generation: run.generation }),
        }),
      );
    } catch (error) {
      // Same name and input within 90 days answers success; a different input raises this: already driven.
      if (error instanceof ExecutionAlreadyExists || (error as { name?: string }).name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}

/** Execution names allow 80 characters of [A-Za-z0-9-_]; incident ids are UUIDs. */
export const slaExecutionName = (run: { readonly incidentId: string; readonly generation: number }) =>
  `${run.incidentId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 70)}-g${run.generation}`;
