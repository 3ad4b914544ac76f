import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { SlaScheduler } from '../app/ports';
import { lazily } from '../../../kernel/runtime/lazy-factory';

/**
 * Starts SLA workflow executions on the state machine `stateMachineArn`. The Step Functions
 * client is created on the first start (an incident logged or re-prioritised), so reads and
 * replays do not load it at cold start.
 */
export function createSlaScheduler(tracer: Tracer, stateMachineArn: string): SlaScheduler {
  const scheduler = lazily(async () => (await import('./on-demand/sfn-sla-scheduler-client')).createSfnSlaScheduler(tracer, stateMachineArn));
  return { start: async (run) => (await scheduler()).start(run) };
}
