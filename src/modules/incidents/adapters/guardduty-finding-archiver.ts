import { ArchiveFindingsCommand, type GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { FindingArchiver } from '../app/ports';

/** Archives a GuardDuty finding (ArchiveFindings with its detector), in the function's own region. */
export class GuardDutyFindingArchiver implements FindingArchiver {
  constructor(private readonly client: Pick<GuardDutyClient, 'send'>) {}

  async archive({ detectorId, findingId }: { readonly detectorId: string; readonly findingId: string }): Promise<void> {
    await this.client.send(new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [findingId] }));
  }
}
