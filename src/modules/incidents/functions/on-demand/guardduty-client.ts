import type { Tracer } from '@aws-lambda-powertools/tracer';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { GuardDutyFindingArchiver, type GuardDutyFindingArchiverOptions } from '../../adapters/guardduty-finding-archiver';

export const createGuardDutyFindingArchiver = (tracer: Tracer, onRefused: GuardDutyFindingArchiverOptions['onRefused']) =>
  new GuardDutyFindingArchiver({ client: tracer.captureAWSv3Client(new GuardDutyClient({})), ...(onRefused && { onRefused }) });
