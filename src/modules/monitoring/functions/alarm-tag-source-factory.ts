import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { AlarmTagSource } from '../app/ports';
import { CachingAlarmTagSource } from '../adapters/caching-alarm-tag-source';
import { FileAlarmTagSource } from '../../../../local/stand-ins/file-alarm-tag-source';
import { lazily } from '../../../kernel/runtime/lazy-factory';

/**
 * Where event ingestion reads an alarm's tags: CloudWatch, cached per alarm; the CloudWatch
 * client is created on the first look-up (only ALARM state changes need one, findings never).
 * The local runtime has no CloudWatch: it names a file of alarm tags instead
 * (`ITSM_LOCAL_ALARM_TAGS_FILE`, see local/local-runtime.ts).
 */
export function createAlarmTagSource(tracer: Tracer, localAlarmTagsFile = process.env['ITSM_LOCAL_ALARM_TAGS_FILE']): AlarmTagSource {
  if (localAlarmTagsFile) return new FileAlarmTagSource(localAlarmTagsFile);
  const cloudWatch = lazily(async () => (await import('./on-demand/cloudwatch-client')).createCloudWatchAlarmTagSource(tracer));
  return new CachingAlarmTagSource({ tagsOf: async (alarmArn) => (await cloudWatch()).tagsOf(alarmArn) });
}
