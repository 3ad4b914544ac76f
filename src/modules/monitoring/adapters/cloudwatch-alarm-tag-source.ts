import { ListTagsForResourceCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmTags } from '../domain/alarm-policy';
import type { AlarmTagSource } from '../app/ports';

/** An alarm's tags from CloudWatch (ListTagsForResource on the alarm ARN). */
export class CloudWatchAlarmTagSource implements AlarmTagSource {
  constructor(private readonly client: Pick<CloudWatchClient, 'send'>) {}

  async tagsOf(alarmArn: string): Promise<AlarmTags> {
    const { Tags = [] } = await this.client.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }));
    const tags: Record<string, string> = {};
    for (const { Key, Value } of Tags) if (Key !== undefined) tags[Key] = Value ?? '';
    return tags;
  }
}
