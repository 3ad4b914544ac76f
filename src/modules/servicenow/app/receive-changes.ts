import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import { fromServiceNowDateTime, toServiceNowDateTime } from '../domain/field-map';
import { recordChanged, syncIncident, SERVICENOW_ACTOR, type EventOutcome, type ServiceNowSyncDeps } from './sync-incident';
import type { SyncException } from './ports';

/** A business-rule call that is not signed with the shared key, or signed too long ago: answered 401. */
export class UnsignedEventError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnsignedEventError';
  }
}

export interface EventDeps extends ServiceNowSyncDeps {
  /** The HMAC key the client's business rule signs with (Secrets Manager, cached). */
  webhookSecret(): Promise<string>;
  /** Checks `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (kernel/adapters/webhook-notifier.ts). */
  verifySignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds: number): 'valid' | 'stale' | 'invalid';
}

/** Calls older than this (or this far in the future) are refused: a captured call cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * `POST /integrations/servicenow/events`: the business rule's `{"table","sys_id","sys_mod_count"}`.
 * The signature is checked over the raw body before anything is parsed or read; then the record
 * is read back through the Table API (the call only says which record changed, so a forged or
 * stale payload cannot carry values) and applied.
 */
export async function receiveEvent(deps: EventDeps, request: { readonly rawBody: string; readonly signature: string | undefined }): Promise<EventOutcome> {
  if (!request.signature) throw new UnsignedEventError('the X-Rowe-Itsm-Signature header is missing');
  const verdict = deps.verifySignature(await deps.webhookSecret(), request.signature, request.rawBody, Math.floor(deps.clock.now().getTime() / 1000), SIGNATURE_TOLERANCE_SECONDS);
  if (verdict === 'stale') throw new UnsignedEventError(`the signature's timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} seconds away from now`);
  if (verdict === 'invalid') throw new UnsignedEventError('the signature does not match the body');
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    throw new InvalidInputError([{ field: 'body', message: 'must be JSON' }]);
  }
  const event = body as Record<string, unknown>;
  const issues = [
    ...(typeof event['table'] === 'string' && /^[a-z0-9_]{1,80}$/.test(event['table']) ? [] : [{ field: 'table', message: 'must be a table name' }]),
    ...(typeof event['sys_id'] === 'string' && /^[0-9a-f]{32}$/.test(event['sys_id']) ? [] : [{ field: 'sys_id', message: 'must be 32 hex digits' }]),
    ...(/^\d+$/.test(String(event['sys_mod_count'] ?? '')) ? [] : [{ field: 'sys_mod_count', message: 'must be a whole number' }]),
  ];
  if (issues.length > 0) throw new InvalidInputError(issues);
  return recordChanged(deps, { table: String(event['table']), sysId: String(event['sys_id']), modCount: Number(event['sys_mod_count']) });
}

export interface PollOutcome {
  readonly read: number;
  readonly applied: number;
  readonly created: number;
  readonly echoes: number;
  readonly failed: number;
  readonly watermark: string | undefined;
}

/**
 * The reconciliation poll (scheduled): records updated since the watermark minus an overlap
 * (second precision and clock skew there), oldest first; each goes through the same path as a
 * business-rule call, so a record already applied, or changed by us, is skipped on its
 * `(sys_id, sys_mod_count)`. The watermark moves to the newest `sys_updated_on` read, and never
 * past a record that failed (it is read again next time).
 */
export async function pollChanges(deps: ServiceNowSyncDeps, table = 'incident', onFailure?: (error: unknown, sysId: string) => void): Promise<PollOutcome> {
  const stored = await deps.store.watermark(table);
  const overlapMs = deps.settings.poll.overlapSeconds * 1000;
  // The first run looks back one day: records raised there before the exchange began stay there.
  const from = stored ? Date.parse(fromServiceNowDateTime(stored)) - overlapMs : deps.clock.now().getTime() - 86_400_000;
  const since = toServiceNowDateTime(new Date(from).toISOString());
  const counts = { read: 0, applied: 0, created: 0, echoes: 0, failed: 0 };
  let watermark = stored;
  let blocked = false;
  const pageSize = 100;
  for (let offset = 0; ; offset += pageSize) {
    const page = await deps.table.updatedSince(table, since, { limit: pageSize, offset });
    for (const record of page) {
      counts.read++;
      try {
        const outcome = await recordChanged(deps, { table, sysId: record['sys_id']!, modCount: Number(record['sys_mod_count']) });
        if (outcome === 'echo') counts.echoes++;
        else if (outcome === 'created') counts.created++;
        else if (outcome === 'applied') counts.applied++;
        else if (outcome === 'busy') blocked = true;
      } catch (error) {
        counts.failed++;
        blocked = true;
        onFailure?.(error, record['sys_id']!);
      }
      const updated = record['sys_updated_on'];
      if (!blocked && updated && (!watermark || updated > watermark)) watermark = updated;
    }
    if (page.length < pageSize) break;
  }
  if (watermark && watermark !== stored) await deps.store.setWatermark(table, watermark);
  return { ...counts, watermark };
}

/** `POST /integrations/servicenow/exceptions/{id}/retry` and `/resolve`: a person settles a listed exception. */
export async function settleException(
  deps: ServiceNowSyncDeps,
  by: string,
  id: string,
  action: 'retry' | 'resolve',
): Promise<SyncException> {
  const exception = await deps.exceptions.get(id);
  if (!exception) throw new InvalidInputError([{ field: 'id', message: `no exception ${id}` }]);
  if (exception.status !== 'open') throw new InvalidInputError([{ field: 'id', message: `exception ${id} is ${exception.status} already` }]);
  if (action === 'retry') await retryException(deps, exception);
  await deps.exceptions.resolve(id, by, deps.clock.now().toISOString(), action === 'retry' ? 'retried' : 'accepted');
  return (await deps.exceptions.get(id))!;
}

export { SERVICENOW_ACTOR };

/**
 * Sends the value that lost (or was refused) again. A conflict's losing value is written there
 * and then flows here like any change of theirs; a value they refused is released from the
 * held list and pushed again; a value we could not apply here is read as their change again.
 */
async function retryException(deps: ServiceNowSyncDeps, exception: SyncException): Promise<void> {
  if (exception.kind === 'conflict') {
    await deps.table.update(exception.table, exception.sysId, { [exception.field]: exception.kept === 'rowe-itsm' ? exception.theirs : exception.ours });
  } else {
    const state = await deps.store.get(exception.incidentId);
    const holder = deps.ids.newId();
    const now = deps.clock.now();
    if (!state || !(await deps.store.acquire(exception.incidentId, holder, now.toISOString(), new Date(now.getTime() + 60_000).toISOString()))) {
      throw new InvalidInputError([{ field: 'id', message: 'the incident is being synced right now; retry in a moment' }]);
    }
    try {
      const { [exception.field]: _released, ...held } = state.held;
      const { [exception.field]: _agreed, ...base } = state.base;
      await deps.store.put(exception.kind === 'refused-there' ? { ...state, held } : { ...state, base }, holder);
    } finally {
      await deps.store.release(exception.incidentId, holder);
    }
  }
  await syncIncident(deps, exception.incidentId);
}
