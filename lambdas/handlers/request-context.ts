import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditEntry } from '../domain/audit-chain';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditLog, Clock, IdSource } from '../app/ports';
import { DynamoDbAuditTrail, type AuditRecordPut } from '../adapters/dynamodb/dynamodb-audit-trail';
import { requireEnv } from './runtime-environment';

/**
 * The request an invocation serves (API Gateway request id and client address, or the Lambda
 * request id of a job), kept for the duration of the invocation. Use cases know nothing of HTTP;
 * the audit log adds these to each record at the edge, so use cases need no extra parameters.
 */
export interface RequestContext {
  readonly requestId?: string;
  readonly sourceIp?: string;
}

const current = new AsyncLocalStorage<RequestContext>();

export function withRequestContext<T>(context: RequestContext, run: () => Promise<T>): Promise<T> {
  return current.run(context, run);
}

/**
 * The audit log a function's use cases and router write to: stamps each entry with the current
 * request, and never turns a failed append into a failed request. Records are written after the
 * change they describe is stored, so failing the request then would make the client retry a
 * change that was made. Instead the whole entry goes to `onFailure` (the function's encrypted,
 * retained log and the AuditWriteFailed metric, which has an alarm), so nothing is lost unseen.
 */
export function requestScopedAuditLog(inner: AuditLog, onFailure: (error: unknown, entry: AuditEntry) => void): AuditLog {
  return {
    async record(entry) {
      const stamped = stampedWithRequest(entry);
      try {
        await inner.record(stamped);
      } catch (error) {
        onFailure(error, stamped);
      }
    },
  };
}

/** The entry with the current request's id and client address (its own, if it names them). */
function stampedWithRequest(entry: AuditEntry): AuditEntry {
  const context = current.getStore() ?? {};
  return {
    ...(context.requestId !== undefined && { requestId: context.requestId }),
    ...(context.sourceIp !== undefined && { sourceIp: context.sourceIp }),
    ...entry,
  };
}

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
  return new DynamoDbAuditTrail(stamps.documents, requireEnv('AUDIT_TABLE_NAME'), { clock: stamps.clock, ids: stamps.ids });
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
