import { ArchiveFindingsCommand, type GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { FindingArchiver } from '../app/ports';

export interface GuardDutyFindingArchiverOptions {
  readonly client: Pick<GuardDutyClient, 'send'>;
  /**
   * Told when GuardDuty refused the request for good (400 BadRequestException: the detector or the
   * finding is not there any more, or is not this account's): retrying cannot change that, so the
   * archive counts as done and the refusal is reported instead of blocking the outbox.
   */
  readonly onRefused?: (error: unknown, finding: { readonly detectorId: string; readonly findingId: string }) => void;
}

/**
 * Archives a GuardDuty finding (ArchiveFindings with its detector), in the function's own region.
 * Archiving an archived finding is no error, so a redelivered effect changes nothing. Throttling,
 * GuardDuty's own errors and a missing grant throw: the effect stays in the outbox and is retried.
 */
export class GuardDutyFindingArchiver implements FindingArchiver {
  constructor(private readonly options: GuardDutyFindingArchiverOptions) {}

  async archive(finding: { readonly detectorId: string; readonly findingId: string }): Promise<void> {
    try {
      await this.options.client.send(new ArchiveFindingsCommand({ DetectorId: finding.detectorId, FindingIds: [finding.findingId] }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'BadRequestException') throw error;
      this.options.onRefused?.(error, finding);
    }
  }
}
