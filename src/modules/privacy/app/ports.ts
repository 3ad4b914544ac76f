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

/** The process records whose retention ends in pseudonymisation. */
export type ProcessRecordType = 'incidents' | 'requests' | 'changes' | 'problems';

/** A closed record, by the key of its main item. */
export interface ClosedRecordRef {
  readonly pk: string;
  readonly sk: string;
}

/** Where closed records of one type are found by close date (an index Query, never a Scan) and pseudonymised. */
export interface ClosedRecordStore {
  readonly type: ProcessRecordType;
  /** Up to `limit` records closed before `closedBefore` and not pseudonymised yet, oldest first. */
  closedBefore(closedBefore: string, limit: number): Promise<readonly ClosedRecordRef[]>;
  /**
   * Replaces every person named in the record (every item of it: an incident's timeline too) with
   * `pseudonymFor(person)`, and marks it done (`pseudonymisedAt`). Returns the people replaced, or
   * undefined when the record changed meanwhile (left for the next run).
   */
  pseudonymiseRecord(record: ClosedRecordRef, pseudonymFor: (person: string) => string, at: string): Promise<number | undefined>;
}
