import type { Change } from '../domain/change';
import type { OutboxEffect } from '../../outbox/domain';
import type { RequestState, ServiceRequest } from '../domain/service-request';
import type { Page, PageRequest, QuotaCharge } from '../../../kernel/app/ports';

/** Ports of change management; adapters implement them (the changes table on DynamoDB). */

export type ChangeTarget = { readonly kind: 'service' | 'ci'; readonly id: string };

/** A scheduled change's slot on a service or CI. */
export interface ChangeSlot {
  readonly changeId: string;
  readonly start: string;
  readonly end: string;
}

export interface Milestone {
  readonly service: string;
  readonly at: string;
  readonly change: string;
  readonly title: string;
}

/** What else is written with a change's next version, in the same transaction. */
export interface ChangeSideEffects {
  /** Slots to hold on each affected service and CI (when the change is scheduled). */
  readonly slots?: readonly ChangeTarget[];
  /** Other changes to flag as overlapping this one (their `overlapsWith` gains this change's id). */
  readonly flagOverlaps?: readonly string[];
  /** Go-live milestones to record on the affected services. */
  readonly milestones?: readonly Milestone[];
  /** The change's outbox effects (the approvers' notice; the ServiceNow mirror of a change the client approves): stored in the incidents table in the same transaction, delivered by the outbox consumer. */
  readonly outbox?: readonly OutboxEffect[];
}

export interface ChangeRepository {
  create(change: Change): Promise<void>;
  get(id: string): Promise<Change | undefined>;
  /** Stores the next version (and its side effects) if the stored one is still `expectedVersion`; VersionConflictError otherwise. */
  save(change: Change, expectedVersion: number, effects?: ChangeSideEffects): Promise<void>;
  /** Changes in a state, most recently changed first. */
  listByState(state: Change['state'], page: PageRequest): Promise<Page<Change>>;
  /** Scheduled (and later) changes whose planned start lies in [from, to), by planned start. */
  calendar(from: string, to: string, page: PageRequest): Promise<Page<Change>>;
  /** Slots on a target starting in [from, to) (overlap candidates: their end is checked by the caller). */
  slotsOn(target: ChangeTarget, from: string, to: string): Promise<ChangeSlot[]>;
  milestones(service: string, page: PageRequest): Promise<Page<Milestone>>;
  /** Every request and change raised in [from, to): kind, services and when (the ratio report). */
  raisedBetween(from: string, to: string): Promise<RaisedRecord[]>;
}

export interface RaisedRecord {
  readonly kind: 'request' | 'change';
  readonly services: readonly string[];
  readonly createdAt: string;
}

/** Service requests share the changes table (a request may raise a change). */
export interface RequestRepository {
  /** `quota`: the caller's create counter, added to in the same write; at its limit nothing is written (QuotaExhaustedError). */
  createRequest(request: ServiceRequest, quota?: QuotaCharge): Promise<void>;
  getRequest(id: string): Promise<ServiceRequest | undefined>;
  /** Stores the next version if the stored one is still `expectedVersion`; VersionConflictError otherwise. */
  saveRequest(request: ServiceRequest, expectedVersion: number): Promise<void>;
  listRequestsByState(state: RequestState, page: PageRequest): Promise<Page<ServiceRequest>>;
}
