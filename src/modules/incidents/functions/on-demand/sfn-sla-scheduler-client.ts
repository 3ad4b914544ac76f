import type { Tracer } from '@aws-lambda-powertools/tracer';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnSlaScheduler } from '../../adapters/sfn-sla-scheduler';

export const createSfnSlaScheduler = (tracer: Tracer, stateMachineArn: string) =>
  new SfnSlaScheduler(tracer.captureAWSv3Client(new SFNClient({})), stateMachineArn);
