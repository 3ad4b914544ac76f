import type { OutageInterval } from '../domain/incident-aggregates';
import type { Incident, IncidentChange } from '../domain/incident';
import type { IncidentState } from '../domain/incident-lifecycle';
import type { TimelineEntry } from '../domain/incident-timeline';
import type { Priority } from '../domain/priority';
import type { AuditEntry, AuditRecord, ChainEntry, ChainHead } from '../domain/audit-chain';
import type { Service, ServiceStatus } from '../domain/service-catalogue';
import type { ConfigurationItem, CiType, SoftwareInstallation } from '../domain/configuration-item';
import type { Analysis, KnowledgeArticle, KnownError, Problem, ProblemLogEntry } from '../domain/problem';
import type { ProblemState } from '../domain/problem-lifecycle';
import type { TermHit } from '../domain/kedb-search';
import type { AlarmTags, EventSeverity } from '../domain/alarm-policy';

/** Ports the use cases depend on; adapters implement them (DynamoDB and SNS on AWS, DynamoDB Local and an outbox locally). */

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
  /** Open incidents assigned to this person (a queue: priority, then age). */
  readonly assignee?: string;
  /** Open incidents assigned to this group (a queue: priority, then age). */
  readonly assignmentGroup?: string;
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

export interface StoredTimelineEntry extends TimelineEntry {
  /** Position in the timeline, unique per incident. */
  readonly id: string;
}

export interface IncidentRepository {
  /** Allocates the next incident number atomically, e.g. INC0000042. */
  allocateNumber(): Promise<string>;
  /**
   * Stores a new incident and its first timeline entries together; fails if the id exists.
   * `audit`: the change's audit record, stored in the same transaction (never one without the other).
   */
  create(change: IncidentChange, audit?: AuditEntry): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  getByNumber(number: string): Promise<Incident | undefined>;
  /**
   * Stores the next version with its timeline entries, all or nothing, if the stored version is
   * still `expectedVersion`; throws VersionConflictError otherwise, writing nothing.
   */
  save(change: IncidentChange, expectedVersion: number, previous?: Incident, audit?: AuditEntry): Promise<void>;
  /** Appends entries that do not change the incident itself (comments, work notes). */
  append(incidentId: string, entries: readonly TimelineEntry[], audit?: AuditEntry): Promise<void>;
  list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>>;
  /** Open incidents on a service right now, counted up to `upTo` (all a priority rule needs to know). */
  countOpenOnService(service: string, upTo: number): Promise<number>;
  /** `incident`, when the caller has already read it, spares reading it again for the derived first entry. */
  timeline(
    incidentId: string,
    options: PageRequest & { readonly publicOnly: boolean; readonly incident?: Incident },
  ): Promise<Page<StoredTimelineEntry>>;
  /** Resolved incidents whose resolution is older than `resolvedBefore` (auto-close candidates). */
  resolvedBefore(resolvedBefore: string, page: PageRequest): Promise<Page<Incident>>;
  /** Incidents logged in [from, to), oldest first (reports). */
  createdBetween(from: string, to: string, page: PageRequest): Promise<Page<Incident>>;
}

/**
 * Starts the workflow that drives an incident's SLA clocks for one generation (Step Functions
 * on AWS, the same definition run in-process locally). Starting a generation twice is a no-op.
 */
export interface SlaScheduler {
  start(run: { readonly incidentId: string; readonly generation: number }): Promise<void>;
}

export interface ContactRef {
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly role?: string;
}

export type NotificationTopic = 'major-incident' | 'escalation' | 'security';

export interface Notification {
  readonly topic: NotificationTopic;
  readonly subject: string;
  readonly message: string;
  readonly recipients: readonly ContactRef[];
  /** Filterable attributes (priority, client, level). */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** Integration secrets, referenced by ARN in the config and read at run time (cached by the adapter). */
export interface SecretSource {
  secretString(arn: string): Promise<string>;
}

/** The tags on a CloudWatch alarm, by its ARN (CloudWatch ListTagsForResource on AWS, a file locally). */
export interface AlarmTagSource {
  /** The alarm's tags; empty when it has none. Rejects when they could not be read. */
  tagsOf(alarmArn: string): Promise<AlarmTags>;
}

/** Archives a GuardDuty finding (ArchiveFindings) once its incident is closed. */
export interface FindingArchiver {
  archive(finding: { readonly detectorId: string; readonly findingId: string }): Promise<void>;
}

/** What is kept of each EventBridge event received, keyed by its id (exactly-once ingestion). */
export interface EventRecord {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly resource?: string;
  readonly state?: string;
  /** What ingestion did with it: opened, attached, noted, recorded. */
  readonly outcome: string;
  readonly incidentId?: string;
  readonly receivedAt: string;
  /** informational | warning | error: what the events list filters on and the trends count. */
  readonly severity: EventSeverity;
  /** The event's own `time` (when AWS says it happened). */
  readonly time: string;
  /** The event's `detail` as received, for the events list. */
  readonly detail: unknown;
}

export type OpenLockedIncidentResult = 'opened' | 'duplicate-event' | 'lock-taken';
/** `conflict`: the incident is open but no longer at `expectedVersion` (read it again). */
export type AttachResult = 'attached' | 'duplicate-event' | 'incident-not-open' | 'conflict';

/** What one open incident at a time stands for: a CloudWatch alarm (its ARN) or a security finding (its id or ARN). */
export interface MonitoringLock {
  readonly kind: 'alarm' | 'finding';
  readonly id: string;
}

/**
 * Writes of monitoring ingestion. Every write includes the event record under the condition that
 * the event id was never recorded, in one transaction: a redelivered event changes nothing.
 */
/** The incident a lock names, read consistently with the lock (absent if the item is gone). */
export interface LockedIncident {
  readonly incidentId: string;
  readonly incident?: Incident;
}

export interface MonitoringEventStore {
  /** The incident the lock names, if there is a lock. */
  openLock(lock: MonitoringLock): Promise<{ readonly incidentId: string } | undefined>;
  /** The lock and the incident it names, both read consistently (one round trip where it can). */
  readLock(lock: MonitoringLock): Promise<LockedIncident | undefined>;
  /**
   * Records the event, stores the new incident and its entries, and takes the lock: if
   * `staleIncidentId` is given the lock must still name that incident, otherwise it must not exist.
   */
  openLockedIncident(args: {
    readonly record: EventRecord;
    readonly lock: MonitoringLock;
    readonly change: IncidentChange;
    readonly staleIncidentId?: string;
    /** The change's audit record, stored in the same transaction (the change is never unaudited). */
    readonly audit: AuditEntry;
  }): Promise<OpenLockedIncidentResult>;
  /**
   * Records the event and adds the entry to the incident if it is still open; `countOccurrence`
   * adds one to occurrenceCount; `set` replaces those fields (a new incident version either way).
   * With `expectedVersion`, only if the incident is still at that version (`set` was computed from it).
   */
  attachToIncident(args: {
    readonly record: EventRecord;
    readonly incidentId: string;
    readonly entry: TimelineEntry;
    readonly countOccurrence: boolean;
    readonly set?: Readonly<Record<string, unknown>>;
    readonly expectedVersion?: number;
    /** Stored in the same transaction. */
    readonly audit: AuditEntry;
  }): Promise<AttachResult>;
  /**
   * Records the event and stores the incident's next version (if the stored version is still
   * `expectedVersion`) with its entries, if the lock still names it. A resolved incident keeps
   * its lock: stale, replaced by the next incident for the same alarm or finding.
   */
  saveLockedIncident(args: {
    readonly record: EventRecord;
    readonly lock: MonitoringLock;
    readonly change: IncidentChange;
    /** The incident at `expectedVersion` (for the report aggregates); read by the store when not given. */
    readonly previous?: Incident;
    readonly expectedVersion: number;
    /** Stored in the same transaction. */
    readonly audit: AuditEntry;
  }): Promise<'saved' | 'duplicate-event' | 'conflict'>;
  /** Records the event only; false when it was already recorded. */
  record(record: EventRecord): Promise<boolean>;
}

/**
 * Where every change and every refused request is recorded (the tamper-evident audit trail).
 * Use cases record after their change is stored; see docs/security.md ("Audit trail") for why
 * the record is not part of the change's own transaction.
 */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface AuditFilter {
  /** `<type>/<id>`, e.g. `incident/6f0c…`. */
  readonly resource?: { readonly type: string; readonly id: string };
  readonly actor?: string;
  /** Inclusive ISO 8601 UTC bounds on the record time. */
  readonly from?: string;
  readonly to?: string;
}

/** Reading the audit trail: lists for auditors, and the chain in sequence order for verification. */
export interface AuditTrailReader {
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** The chain head as stored now (sequence 0 when nothing was chained yet). */
  head(): Promise<ChainHead>;
  /** Sequence of the first chain entry covering a record at or after `at`, if there is one. */
  firstSequenceFrom(at: string): Promise<number | undefined>;
  /** Chain entries from `sequence` on, in sequence order, as stored (read consistently). */
  chainFrom(sequence: number): AsyncIterable<ChainEntry>;
  /** Records with a key (`<at>#<id>`) at or after `recordKey`, in key order. */
  recordsFrom(recordKey: string): AsyncIterable<AuditRecord>;
}

/** What the chainer needs: the head, the records after it, and one atomic append of entries and head. */
export interface AuditChainStore {
  head(): Promise<ChainHead>;
  /** Up to `limit` records with a key after `afterKey` and a time before `before`, in key order. */
  recordsAfter(afterKey: string, before: string, limit: number): Promise<readonly AuditRecord[]>;
  /** Puts the entries and moves the head from `expected` to `head`, all or nothing. */
  appendChain(entries: readonly ChainEntry[], head: ChainHead, expected: ChainHead): Promise<void>;
}

/** Looks services up by id: what incidents need of the service catalogue. */
export interface ServiceCatalogue {
  getService(id: string): Promise<Service | undefined>;
}

export interface ServiceFilter {
  readonly status?: ServiceStatus;
  /** The owner's username. */
  readonly owner?: string;
}

/** A CI as listed under a service: itself and its dependencies (relations to other CIs). */
export type ServiceCi = Pick<ConfigurationItem, 'id' | 'type' | 'name' | 'relations'>;

/** A CI running a piece of software, with the services that use the CI. */
export interface SoftwareInventoryEntry extends SoftwareInstallation {
  readonly ci: Pick<ConfigurationItem, 'id' | 'name' | 'type'>;
  readonly services: readonly string[];
}

/** The catalogue table: services, CIs with their versions, and the items the queries read. */
export interface CatalogueRepository extends ServiceCatalogue {
  /** Fails with AlreadyExistsError when the id is taken. */
  createService(service: Service): Promise<void>;
  /** Stores the next version if the stored one is still `expectedVersion`; VersionConflictError otherwise. */
  saveService(service: Service, expectedVersion: number): Promise<void>;
  listServices(filter: ServiceFilter, page: PageRequest): Promise<Page<Service>>;
  createCi(ci: ConfigurationItem): Promise<void>;
  getCi(id: string): Promise<ConfigurationItem | undefined>;
  /** Stores `next` and keeps it as a version, replacing what `previous` wrote for the queries; VersionConflictError if `previous` is stale. */
  saveCi(next: ConfigurationItem, previous: ConfigurationItem): Promise<void>;
  /** Every version of a CI, newest first. */
  ciHistory(id: string, page: PageRequest): Promise<Page<ConfigurationItem>>;
  cisOfType(type: CiType, page: PageRequest): Promise<Page<ConfigurationItem>>;
  /** CIs used by more than one service, most shared first. */
  sharedPlatforms(page: PageRequest): Promise<Page<ConfigurationItem>>;
  /** CIs running software `name` (normalized) at a version starting with `versionPrefix`. */
  softwareInventory(name: string, versionPrefix: string, page: PageRequest): Promise<Page<SoftwareInventoryEntry>>;
  cisOfService(serviceId: string, page: PageRequest): Promise<Page<ServiceCi>>;
}

// ---------------------------------------------------------------------------------------------
// Problem management, the known-error database and knowledge (the problems table)

export interface IncidentLink {
  readonly problemId: string;
  readonly incidentId: string;
  readonly incidentNumber: string;
  readonly linkedAt: string;
  readonly linkedBy: string;
  /** Copied from the incident when linked: what the known-error review weighs. */
  readonly incidentCreatedAt: string;
  readonly usersAffected: number;
}

export interface ChangeLink {
  readonly problemId: string;
  readonly changeId: string;
  readonly note?: string;
  readonly linkedAt: string;
  readonly linkedBy: string;
}

/**
 * Reading the known-error database and knowledge: all the incidents function needs for its
 * suggestions (GetItem, and Query on the search-term index).
 */
export interface KnowledgeSearch {
  /** Ids of the records of a kind indexed under each term, up to `perTerm` per term. */
  termHits(kind: 'ke' | 'ka', terms: readonly string[], perTerm: number): Promise<TermHit[]>;
  getKnownError(id: string): Promise<KnownError | undefined>;
  getArticle(id: string): Promise<KnowledgeArticle | undefined>;
}

export interface ProblemRepository extends KnowledgeSearch {
  /** Allocates the next problem number atomically, e.g. PRB0000042. */
  allocateProblemNumber(): Promise<string>;
  createProblem(problem: Problem, log: ProblemLogEntry): Promise<void>;
  getProblem(id: string): Promise<Problem | undefined>;
  getProblemByNumber(number: string): Promise<Problem | undefined>;
  /** Stores the next version and its log entries together, if the stored version is still `expectedVersion`. */
  saveProblem(next: Problem, expectedVersion: number, log: readonly ProblemLogEntry[]): Promise<void>;
  listProblems(filter: { readonly state?: ProblemState }, page: PageRequest): Promise<Page<Problem>>;
  appendLog(entry: ProblemLogEntry): Promise<void>;
  listLog(problemId: string, page: PageRequest): Promise<Page<ProblemLogEntry>>;
  /** Stores a version of an analysis; VersionConflictError if that version exists already. */
  putAnalysis(analysis: Analysis): Promise<void>;
  latestAnalysis(problemId: string, analysisId: string): Promise<Analysis | undefined>;
  listAnalyses(problemId: string, page: PageRequest): Promise<Page<Analysis>>;
  /** False when the pair was linked already (by this caller or a concurrent one): nothing written. */
  linkIncident(link: IncidentLink): Promise<boolean>;
  /** False when there was no such link. */
  unlinkIncident(problemId: string, incidentId: string): Promise<boolean>;
  incidentsOfProblem(problemId: string, page: PageRequest): Promise<Page<IncidentLink>>;
  problemsOfIncident(incidentId: string, page: PageRequest): Promise<Page<IncidentLink>>;
  linkChange(link: ChangeLink): Promise<boolean>;
  changesOfProblem(problemId: string, page: PageRequest): Promise<Page<ChangeLink>>;
  /** A known error (or article) and its search terms; `previousTerms` are those the last version wrote. */
  putKnownError(knownError: KnownError, terms: readonly string[], previous?: { readonly version: number; readonly terms: readonly string[] }): Promise<void>;
  knownErrorTerms(id: string): Promise<string[]>;
  listKnownErrors(page: PageRequest): Promise<Page<KnownError>>;
  createArticle(article: KnowledgeArticle, terms: readonly string[]): Promise<void>;
  /**
   * Stores the next version of an article with its terms (a published one has them, others none),
   * if the stored version is still `previous.version` (and, with `lastActivity`, nobody read it since).
   */
  saveArticle(
    next: KnowledgeArticle,
    previous: { readonly version: number; readonly state: KnowledgeArticle['state']; readonly terms: readonly string[] },
    terms: readonly string[],
    options?: { readonly lastActivity?: string },
  ): Promise<void>;
  articleTerms(id: string): Promise<string[]>;
  /** A read by id: counts a view and sets the last access, without a new version; undefined if absent (or, `publishedOnly`, not published). */
  recordView(id: string, at: string, publishedOnly: boolean): Promise<KnowledgeArticle | undefined>;
  /** Published articles whose last activity (read or publication) is before `before`, least recent first. */
  staleArticles(before: string, limit: number): Promise<StaleArticle[]>;
}

export interface StaleArticle {
  readonly article: KnowledgeArticle;
  /** Its place on the last-access index when read: archiving is conditional on it. */
  readonly lastActivity: string;
}

/** The incidents function's one write to the problems table: a resolution's draft article, once. */
export interface ResolutionDrafts {
  /** False when this draft exists already (a retried or replayed resolution). */
  recordDraft(article: KnowledgeArticle): Promise<boolean>;
}

/** The report aggregates kept in the incidents' write path (domain/incident-aggregates.ts); read with Queries only. */
export interface ReportAggregates {
  /** Day counters of a service (or `*`) for the UTC days `fromDay` … `toDay` inclusive, summed. */
  dayCounters(service: string, fromDay: string, toDay: string): Promise<Record<string, number>>;
  /** The backlog counters of a service (or `*`) now. */
  backlog(service: string): Promise<Record<string, number>>;
  /** Outages of a service that end at or after `from` (or are ongoing) and start before `to`. */
  outages(service: string, from: string, to: string): Promise<readonly OutageInterval[]>;
}
