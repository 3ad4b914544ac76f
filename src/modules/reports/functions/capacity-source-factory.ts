import type { Tracer } from '@aws-lambda-powertools/tracer';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CapacitySource } from '../app/report-ports';
import { CloudWatchCapacitySource } from '../adapters/cloudwatch-capacity-source';
import { adapterOverride } from '../../../kernel/runtime/adapter-overrides';
import { CAPACITY_SOURCE } from './adapter-keys';

export { CAPACITY_SOURCE };

/**
 * Where the reports read the metrics capacity actions name: CloudWatch (GetMetricData). The local
 * runtime has no CloudWatch: it registers a source of its own (CAPACITY_SOURCE; see
 * local/stand-ins/register-stand-ins.ts), used as it is.
 */
export function createCapacitySource(tracer: Tracer): CapacitySource {
  return adapterOverride(CAPACITY_SOURCE) ?? new CloudWatchCapacitySource(tracer.captureAWSv3Client(new CloudWatchClient({})));
}
