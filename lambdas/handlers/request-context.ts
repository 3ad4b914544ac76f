import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditLog, Clock, IdSource } from '../app/ports';
import { DynamoDbAuditTrail } from '../adapters/dynamodb/dynamodb-audit-trail';
import { requireEnv } from './runtime-environment';
import { requestScopedAuditLog } from './request-scope';

// The request scope lives in its own module, free of the SDK, so the router (and meta) load no DynamoDB client.
export { requestScopedAuditLog, withRequestContext, type RequestContext } from './request-scope';

/**
 * The function's audit log as every handler builds it: the chain in AUDIT_TABLE_NAME (or a trail
 * the handler already holds), request-scoped, a failed append logged in full and counted as
 * AuditWriteFailed (which has an alarm per function).
 */
export function createAuditLog(
  trail: DynamoDbAuditTrail | { readonly documents: DynamoDBDocumentClient; readonly clock: Clock; readonly ids: IdSource },
  observability: { readonly logger: Logger; readonly metrics: Metrics },
): AuditLog {
  const inner = trail instanceof DynamoDbAuditTrail ? trail : new DynamoDbAuditTrail(trail.documents, requireEnv('AUDIT_TABLE_NAME'), { clock: trail.clock, ids: trail.ids });
  return requestScopedAuditLog(inner, (error, entry) => {
    observability.logger.error('audit record not appended', { error: error as Error, entry });
    observability.metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
  });
}
