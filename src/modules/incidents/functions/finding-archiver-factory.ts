import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { FindingArchiver } from '../app/ports';
import { lazily } from '../../../kernel/runtime/lazy-factory';

/**
 * The GuardDuty finding archiver of the functions that deliver archive-finding effects (the outbox's),
 * when the client's monitoring.archiveFindingsOnClose is on (the stack grants guardduty:ArchiveFindings
 * only then). A refusal for good is logged and counted (FindingArchiveRefused); anything else throws,
 * so the effect is retried. The GuardDuty client is created on the first archive: only closing a
 * security incident needs it.
 */
export function createFindingArchiver(
  settings: { readonly monitoring: { readonly archiveFindingsOnClose: boolean } },
  { logger, metrics, tracer }: { readonly logger: Logger; readonly metrics: Metrics; readonly tracer: Tracer },
): FindingArchiver | undefined {
  if (!settings.monitoring.archiveFindingsOnClose) return undefined;
  const archiver = lazily(async () =>
    (await import('./on-demand/guardduty-client')).createGuardDutyFindingArchiver(tracer, (error, finding) => {
      logger.error('GuardDuty refused to archive the finding; the incident stays closed', { ...finding, error: error as Error });
      metrics.addMetric('FindingArchiveRefused', MetricUnit.Count, 1);
    }),
  );
  return { archive: async (finding) => (await archiver()).archive(finding) };
}
