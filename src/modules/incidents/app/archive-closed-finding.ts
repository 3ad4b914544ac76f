import { guardDutyFindingToArchive } from '../../monitoring/domain';
import type { Incident } from '../domain/incident';
import type { FindingArchiver } from './ports';

export interface FindingArchiveDeps {
  /** Set only when the client's monitoring.archiveFindingsOnClose is on. */
  readonly findingArchiver?: FindingArchiver;
  /** Told when GuardDuty refused or could not be reached; the close stays stored. */
  readonly onArchiveFailure?: (error: unknown, finding: { readonly detectorId: string; readonly findingId: string }) => void;
}

/**
 * Archives the GuardDuty finding of an incident that was just closed (called after the close is
 * stored and audited). A failure is reported, never thrown: the close must not fail or be retried
 * for it, and an archived-or-not finding changes nothing on our side.
 */
export async function archiveClosedFinding(deps: FindingArchiveDeps, closed: Incident): Promise<void> {
  const finding = deps.findingArchiver && guardDutyFindingToArchive(closed);
  if (!finding) return;
  try {
    await deps.findingArchiver!.archive(finding);
  } catch (error) {
    deps.onArchiveFailure?.(error, finding);
  }
}
