import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditEntry } from '../domain/audit-chain';
import type { AuditLog } from '../app/ports';

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
export function stampedWithRequest(entry: AuditEntry): AuditEntry {
  const context = current.getStore() ?? {};
  return {
    ...(context.requestId !== undefined && { requestId: context.requestId }),
    ...(context.sourceIp !== undefined && { sourceIp: context.sourceIp }),
    ...entry,
  };
}
