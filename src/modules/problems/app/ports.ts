import type { AuditEntry } from '../../../kernel/domain/audit-chain';
import type { Analysis, KnowledgeArticle, KnownError, Problem, ProblemLogEntry } from '../domain/problem';
import type { ProblemState } from '../domain/problem-lifecycle';
import type { TermHit } from '../domain/kedb-search';
import type { PageRequest, Page } from '../../../kernel/app/ports';
import type { OutboxEffect } from '../../outbox/domain';

/** Ports of this module's use cases; adapters implement them. Shared ports (clock, ids, pages, notifier, audit) are in src/kernel/app/ports.ts. */

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
/** A problem an incident is linked to, with its known error: the root-cause section of the incident's report. */
export interface IncidentRootCause {
  readonly id: string;
  readonly number: string;
  readonly title: string;
  readonly state: string;
  readonly resolution?: string;
  readonly knownError?: { readonly id: string; readonly title: string; readonly rootCause: string; readonly workaround: string; readonly fixStatus: string };
}

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
  /** Links of incidents logged from `since` on, every problem's, oldest incident first. */
  incidentLinksSince(since: string, page: PageRequest): Promise<Page<IncidentLink>>;
  problemsOfIncident(incidentId: string, page: PageRequest): Promise<Page<IncidentLink>>;
  linkChange(link: ChangeLink): Promise<boolean>;
  changesOfProblem(problemId: string, page: PageRequest): Promise<Page<ChangeLink>>;
  /** A known error (or article) and its search terms; `previousTerms` are those the last version wrote. */
  putKnownError(knownError: KnownError, terms: readonly string[], previous?: { readonly version: number; readonly terms: readonly string[] }): Promise<void>;
  knownErrorTerms(id: string): Promise<string[]>;
  listKnownErrors(page: PageRequest): Promise<Page<KnownError>>;
  /** `effects`: outbox effects stored in the same transaction (the self-help site's rebuild). */
  createArticle(article: KnowledgeArticle, terms: readonly string[], effects?: readonly OutboxEffect[]): Promise<void>;
  /**
   * A known error's client article, created and linked both ways in one transaction: the article
   * (new) with its terms, the known error's next version (naming the article) if its stored
   * version is still `previousVersion`, and the effects.
   */
  createKnownErrorArticle(article: KnowledgeArticle, terms: readonly string[], knownError: KnownError, previousVersion: number, effects: readonly OutboxEffect[]): Promise<void>;
  /**
   * Stores the next version of an article with its terms (a published one has them, others none),
   * if the stored version is still `previous.version` (and, with `lastActivity`, nobody read it since).
   */
  saveArticle(
    next: KnowledgeArticle,
    previous: { readonly version: number; readonly state: KnowledgeArticle['state']; readonly terms: readonly string[] },
    terms: readonly string[],
    options?: { readonly lastActivity?: string; readonly effects?: readonly OutboxEffect[] },
  ): Promise<void>;
  articleTerms(id: string): Promise<string[]>;
  /** A read by id: counts a view and sets the last access, without a new version; undefined if absent (or, `publishedOnly`, not published for client users: unpublished or internal). */
  recordView(id: string, at: string, publishedOnly: boolean): Promise<KnowledgeArticle | undefined>;
  /** A view of a public page of the self-help site: counted as a read only if the article is published and public; false otherwise. */
  recordSiteView(id: string, at: string): Promise<boolean>;
  /** Published articles whose last activity (read or publication) is before `before`, least recent first. */
  staleArticles(before: string, limit: number): Promise<StaleArticle[]>;
}

export interface StaleArticle {
  readonly article: KnowledgeArticle;
  /** Its place on the last-access index when read: archiving is conditional on it. */
  readonly lastActivity: string;
}

/** The outbox's one write to the problems table: a resolution's draft article, once, with its audit record. */
export interface ResolutionDrafts {
  /**
   * Stores the draft and its audit record together, or neither: false when this draft exists
   * already (a retried or replayed resolution, whose record was stored with it).
   */
  recordDraft(article: KnowledgeArticle, audit: AuditEntry): Promise<boolean>;
}
