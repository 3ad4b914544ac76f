import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../kernel/domain/audit-chain';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditLog, Clock, IdSource } from '../kernel/app/ports';
import { DynamoDbAuditTrail, type AuditRecordPut } from '../kernel/adapters/dynamodb-audit-trail';
import { requireEnv } from './runtime-environment';
import { ENV } from './environment-contract';
import { requestScopedAuditLog, stampedWithRequest } from '../kernel/http/request-scope';

// The request scope lives in its own module, free of the SDK, so the router (and meta) load no DynamoDB client.
export { requestScopedAuditLog, withRequestContext, type RequestContext } from '../kernel/http/request-scope';

/**
 * The audit trail's record Puts for a writer's own transactions (the incident repository's), stamped
 * with the current request like the log's records. Unlike the log, a failure here fails the change
 * with it: the change and its record are stored together or not at all.
 */
export function requestScopedAuditPuts(trail: DynamoDbAuditTrail): { transactPut(entry: AuditEntry): AuditRecordPut } {
  return { transactPut: (entry) => trail.transactPut(stampedWithRequest(entry)) };
}

/** The audit trail in AUDIT_TABLE_NAME. */
export function auditTrailOf(stamps: { readonly documents: DynamoDBDocumentClient; readonly clock: Clock; readonly ids: IdSource }): DynamoDbAuditTrail {
  return new DynamoDbAuditTrail(stamps.documents, requireEnv(ENV.auditTable), { clock: stamps.clock, ids: stamps.ids });
}

/**
 * The function's audit log as every handler builds it: the chain in AUDIT_TABLE_NAME (or a trail
 * the handler already holds), request-scoped, a failed append logged in full and counted as
 * AuditWriteFailed (which has an alarm per function).
 */
export function createAuditLog(
  trail: DynamoDbAuditTrail | { readonly documents: DynamoDBDocumentClient; readonly clock: Clock; readonly ids: IdSource },
  observability: { readonly logger: Logger; readonly metrics: Metrics },
): AuditLog {
  const inner = trail instanceof DynamoDbAuditTrail ? trail : auditTrailOf(trail);
  return requestScopedAuditLog(inner, (error, entry) => {
    observability.logger.error('audit record not appended', { error: error as Error, entry });
    observability.metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
  });
}
