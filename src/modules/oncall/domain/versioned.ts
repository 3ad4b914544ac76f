/** What every stored on-call record carries: its version and who created and last changed it. */
export interface Versioned {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** The stamps of a record's first version. */
export function firstVersion(id: string, by: string, now: Date): Versioned {
  const at = now.toISOString();
  return { id, version: 1, createdAt: at, createdBy: by, updatedAt: at, updatedBy: by };
}

/** The record with the changes applied (undefined values ignored), one version on. */
export function nextVersion<T extends Versioned>(current: T, changes: Partial<T>, by: string, now: Date): T {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
  return { ...current, ...defined, version: current.version + 1, updatedAt: now.toISOString(), updatedBy: by };
}
