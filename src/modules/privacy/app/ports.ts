/**
 * Where a person's data is pseudonymised: one port per kind of store, implemented per table.
 * Each replaces every value that names the person (any of their identifiers) with the pseudonym
 * and returns how many records it changed.
 */
export interface PersonalDataStore {
  /** The records it holds, as named in the erasure's report (`incidents`, `changes`…). */
  readonly name: string;
  pseudonymise(identifiers: ReadonlySet<string>, pseudonym: string): Promise<number>;
}

/** The audit trail's records: pseudonymised where they are version 2, counted where they are not. */
export interface AuditRecordEraser {
  erase(identifiers: ReadonlySet<string>, erasureId: string): Promise<{ readonly erased: number; readonly legacy: number }>;
}
