import type { Tracer } from '@aws-lambda-powertools/tracer';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmTagSource } from '../../adapters/cloudwatch-alarm-tag-source';

export const createCloudWatchAlarmTagSource = (tracer: Tracer) => new CloudWatchAlarmTagSource(tracer.captureAWSv3Client(new CloudWatchClient({})));
