import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { AlarmTagSource } from '../app/ports';
import { CachingAlarmTagSource } from '../adapters/caching-alarm-tag-source';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { ALARM_TAG_SOURCE } from './adapter-keys';
import { lazily } from '../../../kernel/runtime/lazy-factory';

export { ALARM_TAG_SOURCE };

/**
 * Where event ingestion reads an alarm's tags: CloudWatch, cached per alarm; the CloudWatch
 * client is created on the first look-up (only ALARM state changes need one, findings never).
 * The local runtime has no CloudWatch: it registers a source of its own (ALARM_TAG_SOURCE; see
 * local/stand-ins/register-stand-ins.ts), used as it is.
 */
export function createAlarmTagSource(tracer: Tracer): AlarmTagSource {
  const override = adapterOverride(ALARM_TAG_SOURCE);
  if (override) return override;
  const cloudWatch = lazily(async () => (await import('./on-demand/cloudwatch-client')).createCloudWatchAlarmTagSource(tracer));
  return new CachingAlarmTagSource({ tagsOf: async (alarmArn) => (await cloudWatch()).tagsOf(alarmArn) });
}
