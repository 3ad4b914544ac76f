import { InvalidInputError, TooManyRequestsError } from '../../../kernel/domain/domain-errors';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import type { Priority } from '../../../kernel/domain/priority';

/**
 * What the desk accepts from callers when an incident is logged (client config `intake`). Every
 * rule here closes an abuse open to any signed-in user: categories are counter attributes in the
 * report aggregates (an open set grows those items without bound), a requester's own report must
 * not page the on-call people, and one person must not flood the desk.
 */
export const DEFAULT_CATEGORIES = [
  'hardware', 'software', 'network', 'access', 'security', 'performance', 'messaging', 'monitoring', 'reporting', 'application', 'database', 'request', 'other',
] as const;
/** A category names a counter attribute: the list's size and each name's length bound those items. */
export const MAX_CATEGORIES = 100;
export const MAX_CATEGORY_LENGTH = 40;

export interface CreateQuota {
  readonly limit: number;
  /** ISO 8601 duration of the fixed window the limit counts in. */
  readonly window: string;
}

export interface IntakePolicy {
  readonly categories: readonly string[];
  /** The highest priority a requester's report can give before the desk triages. */
  readonly requesterMaxPriority: Priority;
  /** ISO 8601 duration: how far back detectedAt may lie. */
  readonly detectedAtWindow: string;
  readonly createQuotas: { readonly requester: CreateQuota; readonly desk: CreateQuota };
}

export const DEFAULT_INTAKE: IntakePolicy = {
  categories: DEFAULT_CATEGORIES,
  requesterMaxPriority: 'P3',
  detectedAtWindow: 'P30D',
  createQuotas: { requester: { limit: 20, window: 'PT1H' }, desk: { limit: 600, window: 'PT1H' } },
};

/** Refuses a category the client has not listed (400 naming `category`). */
export function assertKnownCategory(policy: Pick<IntakePolicy, 'categories'>, category: string, field = 'category'): void {
  if (policy.categories.includes(category)) return;
  throw new InvalidInputError([{ field, message: `"${category.slice(0, 60)}" is not a category of this desk; use one of: ${policy.categories.join(', ')}` }]);
}

/** The fixed window `now` falls in, and the seconds until it ends (Retry-After). */
export function quotaWindow(nowMs: number, windowMs: number): { readonly start: string; readonly endMs: number; readonly retryAfterSeconds: number } {
  const startMs = Math.floor(nowMs / windowMs) * windowMs;
  const endMs = startMs + windowMs;
  return { start: new Date(startMs).toISOString(), endMs, retryAfterSeconds: Math.max(1, Math.ceil((endMs - nowMs) / 1000)) };
}

/**
 * The caller's create counter for the window `nowMs` falls in (what the repository adds to, under
 * the limit, in the create's own transaction), and the 429 answered when it is full. Counted by the
 * caller's stable id: a username can be reused, a sub cannot.
 */
export function createQuotaCharge(
  intake: Pick<IntakePolicy, 'createQuotas'>,
  caller: { readonly id: string },
  requester: boolean,
  nowMs: number,
  counts: 'incident' | 'request',
) {
  const quota = requester ? intake.createQuotas.requester : intake.createQuotas.desk;
  const window = quotaWindow(nowMs, parseIsoDuration(quota.window) ?? 3_600_000);
  const charge = { subject: caller.id, counts, windowStart: window.start, limit: quota.limit, expiresAt: Math.ceil(window.endMs / 1000) + 86_400 };
  const exhausted = () =>
    new TooManyRequestsError(
      `You have logged ${quota.limit} ${counts}s within ${quota.window}, the most this desk accepts from one person; try again in ${window.retryAfterSeconds} s or call the desk`,
      window.retryAfterSeconds,
    );
  return { charge, exhausted };
}
