import type { Incident } from '../domain/incident';
import type { IncidentState } from '../domain/incident-lifecycle';
import type { Priority } from '../domain/priority';

/** Ports the use cases depend on; adapters implement them (DynamoDB on AWS and locally). */

export interface Clock {
  now(): Date;
}

export interface IdSource {
  newId(): string;
}

export interface IncidentFilter {
  readonly state?: IncidentState;
  readonly priority?: Priority;
  readonly service?: string;
  /** Restricts the list to incidents reported by this person (requesters see only their own). */
  readonly reportedBy?: string;
}

export interface PageRequest {
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly nextToken?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

export interface IncidentRepository {
  /** Allocates the next incident number atomically, e.g. INC0000042. */
  allocateNumber(): Promise<string>;
  /** Stores a new incident; fails if the id exists. */
  create(incident: Incident): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  getByNumber(number: string): Promise<Incident | undefined>;
  /**
   * Replaces the incident if its stored version is still `expectedVersion`;
   * throws VersionConflictError otherwise, writing nothing.
   */
  replace(incident: Incident, expectedVersion: number): Promise<void>;
  list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>>;
}
