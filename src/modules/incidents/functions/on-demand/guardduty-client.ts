import type { Tracer } from '@aws-lambda-powertools/tracer';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { GuardDutyFindingArchiver } from '../../adapters/guardduty-finding-archiver';

export const createFindingArchiver = (tracer: Tracer) => new GuardDutyFindingArchiver(tracer.captureAWSv3Client(new GuardDutyClient({})));
