import { InvalidInputError, LifecycleError, type FieldIssue } from '../../../kernel/domain/domain-errors';
import type { Actor } from '../../../kernel/domain/actor';
import type { Priority } from '../../../kernel/domain/priority';
import type { RequestType } from '../../changes/domain';

/**
 * The provider's portfolio of managed services: what a service is, its lifecycle
 * (pipeline → live → retired) and whom to call about it. Pure: no I/O, no SDK, no environment.
 */
export const SERVICE_STATUSES = ['pipeline', 'live', 'retired'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export const SERVICE_LINK_KINDS = ['ticket-board', 'documentation', 'runbook', 'status-page', 'repository', 'other'] as const;
export type ServiceLinkKind = (typeof SERVICE_LINK_KINDS)[number];

export interface Contact {
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly role?: string;
}

/** The service owner: a person with a login (their username decides which services they may change). */
export interface ServiceOwner extends Contact {
  readonly username: string;
}

export interface SlaTargetOverride {
  readonly acknowledge?: string;
  readonly respond?: string;
  readonly resolve?: string;
}

/** Which of the client's SLA terms apply, with targets this service changes per priority. */
export interface SlaTerms {
  /** Reference of the client's SLA document or schedule, e.g. `MSA-2026 schedule 2`. */
  readonly reference: string;
  readonly overrides?: Readonly<Partial<Record<Priority, SlaTargetOverride>>>;
}

export interface ServiceLink {
  readonly kind: ServiceLinkKind;
  readonly url: string;
  readonly title?: string;
}

export interface ServiceContacts {
  /** The client's nominated incident contacts #1, #2, #3 for this service, in escalation order. */
  readonly nominated: readonly Contact[];
  readonly providerNamed?: Contact;
  readonly providerBackup?: Contact;
}

export interface Service {
  /** Chosen when the service is created (e.g. `email`); incidents name the service by it. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly owner: ServiceOwner;
  readonly status: ServiceStatus;
  /** YYYY-MM-DD */
  readonly commencementDate?: string;
  /** YYYY-MM-DD: planned while pipeline or live, actual once retired. */
  readonly retirementDate?: string;
  readonly retirementReason?: string;
  readonly sla: SlaTerms;
  readonly links: readonly ServiceLink[];
  readonly contacts: ServiceContacts;
  readonly disasterRecoveryPlan?: string;
  /** Recovery time and point objectives (ISO 8601 durations), recorded on the service's major incidents. */
  readonly recoveryObjectives?: { readonly rto?: string; readonly rpo?: string };
  /**
   * The requests the service takes, one entry per type, each with its own fulfilment target and
   * approval rule; absent: every type, on the client's targets (see service-request.ts).
   */
  readonly requestTypes?: readonly ServiceRequestType[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

/** What a caller provides; the rest is stamped here. */
export type ServiceInput = Omit<Service, 'status' | 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy' | 'version' | 'retirementReason'> & {
  readonly status?: Exclude<ServiceStatus, 'retired'>;
};

export type ServiceChanges = Partial<Omit<ServiceInput, 'id' | 'status'>> & { readonly status?: 'live' };

/** What the lifecycle allows next; retiring has its own operation, and retired is final. */
const NEXT_STATUS: Readonly<Record<ServiceStatus, readonly ServiceStatus[]>> = {
  pipeline: ['live', 'retired'],
  live: ['retired'],
  retired: [],
};

export const allowedNextServiceStatuses = (status: ServiceStatus) => NEXT_STATUS[status];

export function newService(input: ServiceInput, actor: Actor, now: string): Service {
  const service: Service = {
    ...input,
    status: input.status ?? 'pipeline',
    createdAt: now,
    createdBy: actor.name,
    updatedAt: now,
    updatedBy: actor.name,
    version: 1,
  };
  assertValidService(service);
  return service;
}

export function changeService(service: Service, changes: ServiceChanges, actor: Actor, now: string): Service {
  if (service.status === 'retired') {
    throw new LifecycleError(`Service ${service.id} is retired; a retired service is kept as it was for the incidents that name it`, 'status');
  }
  if (changes.status !== undefined && changes.status !== service.status && !NEXT_STATUS[service.status].includes(changes.status)) {
    throw new LifecycleError(`A ${service.status} service cannot become ${changes.status}; allowed: ${NEXT_STATUS[service.status].join(', ')}`, 'status');
  }
  const next: Service = { ...service, ...changes, updatedAt: now, updatedBy: actor.name, version: service.version + 1 };
  assertValidService(next);
  return next;
}

/**
 * Retires a service: it stays in the catalogue for ever (incidents name it), but no new incident
 * may be logged on it. The retirement date defaults to today.
 */
export function retireService(
  service: Service,
  request: { readonly reason: string; readonly retirementDate?: string },
  actor: Actor,
  now: string,
): Service {
  if (service.status === 'retired') throw new LifecycleError(`Service ${service.id} is already retired`, 'status');
  const next: Service = {
    ...service,
    status: 'retired',
    retirementDate: request.retirementDate ?? now.slice(0, 10),
    retirementReason: request.reason,
    updatedAt: now,
    updatedBy: actor.name,
    version: service.version + 1,
  };
  assertValidService(next);
  return next;
}

/** Rules across fields; formats are the schema's business. */
/** A request the service takes: what the requester sees (`name`), its target and whether it needs approval. */
export interface ServiceRequestType {
  readonly type: RequestType;
  readonly name: string;
  /** ISO 8601 duration from submission; absent: the client's target for the type. */
  readonly fulfilmentTarget?: string;
  /** Absent: as the client's `requests.approvalRequired` says for the type. */
  readonly approvalRequired?: boolean;
}

export function serviceIssues(service: Pick<Service, 'status' | 'commencementDate' | 'retirementDate' | 'contacts' | 'requestTypes'>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // A pipeline service may be retired without ever going live, so only live needs the date.
  if (service.status === 'live' && !service.commencementDate) {
    issues.push({ field: 'commencementDate', message: 'is required once a service is live' });
  }
  if (service.commencementDate && service.retirementDate && service.retirementDate < service.commencementDate) {
    issues.push({ field: 'retirementDate', message: `must not be before commencementDate (${service.commencementDate})` });
  }
  if (service.contacts.nominated.length > 3) {
    issues.push({ field: 'contacts.nominated', message: 'lists at most three nominated contacts (#1, #2, #3)' });
  }
  const types = (service.requestTypes ?? []).map((t) => t.type);
  const repeated = types.find((type, i) => types.indexOf(type) !== i);
  if (repeated) issues.push({ field: 'requestTypes', message: `lists "${repeated}" twice; one entry per request type` });
  return issues;
}

function assertValidService(service: Service): void {
  const issues = serviceIssues(service);
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/**
 * May a new incident be logged on this service? Unknown and retired services are refused, naming
 * the `service` field, so a typo never opens an incident nobody owns.
 */
export function assertServiceAcceptsIncidents(serviceId: string, service: Pick<Service, 'status' | 'retirementDate'> | undefined): void {
  if (!service) {
    throw new InvalidInputError([{ field: 'service', message: `"${serviceId}" is not a service in the catalogue` }]);
  }
  if (service.status === 'retired') {
    throw new InvalidInputError([{ field: 'service', message: `"${serviceId}" was retired on ${service.retirementDate}; log the incident on the service that replaced it` }]);
  }
}

/** The client-wide contacts of the client configuration, used where a service names none. */
export interface DefaultContacts {
  readonly nominated: readonly Contact[];
  readonly serviceOwner: Contact;
  readonly providerNamed: Contact;
  readonly providerBackup: Contact;
}

export interface EscalationContact {
  /** 1–3: the nominated contacts in order; 4: the service owner, the last level. */
  readonly level: 1 | 2 | 3 | 4;
  readonly role: 'nominated-1' | 'nominated-2' | 'nominated-3' | 'service-owner';
  readonly contact: Contact;
  /** Where the contact comes from: the service record or the client's defaults. */
  readonly source: 'service' | 'client-default';
}

/**
 * Whom to escalate to for a service, in order: nominated contacts #1, #2, #3, then the service
 * owner. Each level the service does not fill falls back to the client's default for that level,
 * and a level neither fills is left out. Without a service (unknown to the catalogue, e.g. an
 * alarm on an unregistered system) everything comes from the client's defaults.
 */
export function escalationContacts(service: Pick<Service, 'contacts' | 'owner'> | undefined, defaults: DefaultContacts): EscalationContact[] {
  const levels: EscalationContact[] = [];
  for (const index of [0, 1, 2] as const) {
    const own = service?.contacts.nominated[index];
    const fallback = defaults.nominated[index];
    const contact = own ?? fallback;
    if (contact) {
      levels.push({ level: (index + 1) as 1 | 2 | 3, role: `nominated-${index + 1}` as EscalationContact['role'], contact, source: own ? 'service' : 'client-default' });
    }
  }
  levels.push(
    service
      ? { level: 4, role: 'service-owner', contact: withoutUsername(service.owner), source: 'service' }
      : { level: 4, role: 'service-owner', contact: defaults.serviceOwner, source: 'client-default' },
  );
  return levels;
}

/** The provider's named contact and backup for a service, each falling back to the client's default. */
export function providerContacts(service: Pick<Service, 'contacts'> | undefined, defaults: DefaultContacts): { readonly named: Contact; readonly backup: Contact } {
  return {
    named: service?.contacts.providerNamed ?? defaults.providerNamed,
    backup: service?.contacts.providerBackup ?? defaults.providerBackup,
  };
}

function withoutUsername(owner: ServiceOwner): Contact {
  const { username: _username, ...contact } = owner;
  return contact;
}

/** What a requester may see of a service: enough to log an incident or ask for something on it. */
export const SERVICE_SUMMARY_FIELDS = ['id', 'name', 'status', 'requestTypes'] as const;
export type ServiceSummary = Pick<Service, (typeof SERVICE_SUMMARY_FIELDS)[number]>;
export const serviceSummary = (service: Service): ServiceSummary => ({
  id: service.id,
  name: service.name,
  status: service.status,
  ...(service.requestTypes && { requestTypes: service.requestTypes }),
});
