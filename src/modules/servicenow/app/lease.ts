import type { Clock, IdSource } from '../../../kernel/app/ports';
import type { SyncStore } from './ports';

export interface LeaseDeps {
  readonly store: SyncStore;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** How long a sync may hold a record's lease. @default 60 s */
  readonly leaseMs?: number;
  /** Between attempts to take a busy lease (inbound only). @default 50 ms */
  readonly leaseWaitMs?: number;
}

/**
 * Runs `run` holding the sync lease of one of our records (an incident, or a change), again while
 * another sync marked it dirty meanwhile. `wait`: an inbound sync waits a little for an outbound
 * push to finish (the push cannot apply their changes); answers false when it never got the lease.
 */
export async function underLease(deps: LeaseDeps, incidentId: string, wait: boolean, run: (holder: string) => Promise<void>): Promise<boolean> {
  const holder = deps.ids.newId();
  const leaseMs = deps.leaseMs ?? 60_000;
  const take = () => {
    const now = deps.clock.now();
    return deps.store.acquire(incidentId, holder, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString());
  };
  let taken = await take();
  // Inbound waits a little for an outbound push to finish (the push cannot apply their changes).
  for (let attempt = 0; !taken && wait && attempt < 100; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, deps.leaseWaitMs ?? 50));
    taken = await take();
  }
  if (!taken) return false;
  try {
    do await run(holder);
    while ((await deps.store.release(incidentId, holder)) === 'dirty');
  } catch (error) {
    await deps.store.release(incidentId, holder).catch(() => undefined);
    throw error;
  }
  return true;
}

