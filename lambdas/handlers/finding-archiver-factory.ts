import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GuardDutyFindingArchiver } from '../adapters/guardduty/guardduty-finding-archiver';
import type { FindingArchiveDeps } from '../app/archive-closed-finding';
import type { createObservability } from './runtime-environment';

/**
 * The finding archiver of a function that closes incidents, when the client's
 * monitoring.archiveFindingsOnClose is on (the stack grants guardduty:ArchiveFindings only then);
 * a failure is logged and counted (FindingArchiveFailed), the close stays stored.
 */
export function findingArchiveDeps(
  settings: { readonly monitoring: { readonly archiveFindingsOnClose: boolean } },
  { logger, metrics, tracer }: ReturnType<typeof createObservability>,
): FindingArchiveDeps {
  if (!settings.monitoring.archiveFindingsOnClose) return {};
  return {
    findingArchiver: new GuardDutyFindingArchiver(tracer.captureAWSv3Client(new GuardDutyClient({}))),
    onArchiveFailure: (error, finding) => {
      logger.error('GuardDuty finding not archived', { ...finding, error: error as Error });
      metrics.addMetric('FindingArchiveFailed', MetricUnit.Count, 1);
    },
  };
}
