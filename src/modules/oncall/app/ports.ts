import type { Page, PageRequest } from '../../../kernel/app/ports';
import type { EscalationPolicy, Person, Schedule } from '../domain';

/** Ports of the on-call use cases; adapters implement them (DynamoDB on AWS and locally). */

/** Versioned records of one kind, each read and written whole. */
export interface VersionedRecords<T extends { readonly id: string; readonly version: number }> {
  /** Fails with AlreadyExistsError when the id is taken. */
  create(record: T): Promise<void>;
  get(id: string): Promise<T | undefined>;
  /** Stores the next version if the stored one is still `expectedVersion`; VersionConflictError otherwise. */
  save(record: T, expectedVersion: number): Promise<void>;
  /** Every record, by id. */
  list(page: PageRequest): Promise<Page<T>>;
}

export type ScheduleRepository = VersionedRecords<Schedule>;

export type PolicyRepository = VersionedRecords<EscalationPolicy>;

/** The paging directory: a person by username. */
export type PersonRepository = VersionedRecords<Person>;
