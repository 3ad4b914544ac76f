import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FindingArchiveDeps } from '../app/archive-closed-finding';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import type { createObservability } from '../../../platform/runtime-environment';

/**
 * The finding archiver of a function that closes incidents, when the client's
 * monitoring.archiveFindingsOnClose is on (the stack grants guardduty:ArchiveFindings only then);
 * a failure is logged and counted (FindingArchiveFailed), the close stays stored. The GuardDuty
 * client is created on the first archive: only closing a security incident needs it.
 */
export function findingArchiveDeps(
  settings: { readonly monitoring: { readonly archiveFindingsOnClose: boolean } },
  { logger, metrics, tracer }: ReturnType<typeof createObservability>,
): FindingArchiveDeps {
  if (!settings.monitoring.archiveFindingsOnClose) return {};
  const archiver = lazily(async () => (await import('./on-demand/guardduty-client')).createFindingArchiver(tracer));
  return {
    findingArchiver: { archive: async (finding) => (await archiver()).archive(finding) },
    onArchiveFailure: (error, finding) => {
      logger.error('GuardDuty finding not archived', { ...finding, error: error as Error });
      metrics.addMetric('FindingArchiveFailed', MetricUnit.Count, 1);
    },
  };
}
