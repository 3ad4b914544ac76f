import { createHash } from 'node:crypto';
import { problemScope, type Caller, type ProblemAction, type ProblemScope } from '../../../kernel/domain/access-policy';
import { ForbiddenError, InvalidInputError, LifecycleError, NotFoundError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import { findSecrets } from '../../../kernel/domain/secret-detector';
import type { Actor, Incident } from '../../incidents/domain';
import { MAX_QUERY_TERMS, rank, recordTerms, serviceTerm, categoryTerm, tagTerm, tokenize, type RankedMatch } from '../domain/kedb-search';
import { effectsOf, type Effect, type OutboxEffect } from '../../outbox/domain';
import { isOnSite, type SiteAccess } from '../../selfhelp/domain';
import {
  addCandidateSolution,
  audienceOf,
  isOnSelfHelp,
  KNOWN_ERROR_PUBLISHED_FIELDS,
  knownErrorArticle,
  knownErrorArticleChanges,
  changeKnownError,
  changeProblem,
  decide,
  changeArticle,
  newKnowledgeArticle,
  newKnownError,
  newProblem,
  PROBLEM_NUMBER_PATTERN,
  resolutionDraft,
  validateAnalysis,
  type Analysis,
  type AnalysisContent,
  type ArticleChanges,
  type ErrorDecision,
  type KedbSearchRecord,
  type KnowledgeArticle,
  type KnowledgeArticleInput,
  type KnownError,
  type KnownErrorInput,
  type Problem,
  type ProblemChanges,
  type ProblemInput,
  type ProblemLogEntry,
  type ProblemLogKind,
} from '../domain/problem';
import { isProblemOpen, type ProblemState } from '../domain/problem-lifecycle';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';
import { likelyDuplicates, trendGroups, type DuplicatePair, type ProblemCandidate, type TrendIncident } from '../domain/problem-candidates';
import { recordChangeEntry } from '../../audit/app';
import type { AuditLog, Clock, IdSource, Page, PageRequest } from '../../../kernel/app/ports';
import type { ChangeLink, IncidentLink, KnowledgeSearch, ProblemRepository, ResolutionDrafts } from './ports';

export interface ProblemDeps {
  readonly problems: ProblemRepository;
  /** Incidents are read to link them (id or number); the problems function never writes them. */
  readonly incidents: {
    get(id: string): Promise<Incident | undefined>;
    getByNumber(number: string): Promise<Incident | undefined>;
    /** The incidents logged in [from, to), oldest first (the byCreated index): problem candidates. */
    createdBetween(from: string, to: string, page: PageRequest): Promise<Page<Incident>>;
  };
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Every stored change is recorded here, after it is stored (see docs/security.md, "Audit trail"). */
  readonly audit: AuditLog;
  /**
   * Where the client publishes knowledge to their ServiceNow knowledge base (config
   * `integrations.servicenow.knowledge`), who reads it there: a change of an article those readers
   * may see, before or after it, is mirrored there (servicenow-kb-sync).
   * @default none: nothing is mirrored
   */
  readonly knowledgeBase?: { readonly access: SiteAccess };
  /**
   * The self-help site's downloadable bundle (config `selfHelp.bundle`): a short-lived link to it.
   * @default none: GET /knowledge/site-bundle is 404
   */
  readonly siteBundle?: { link(): Promise<{ readonly url: string; readonly expiresAt: string } | undefined> };
}

interface PageQuery {
  readonly limit: number;
  readonly nextToken?: string | undefined;
}
const pageOf = (page: PageQuery) => ({ limit: page.limit, ...(page.nextToken && { nextToken: page.nextToken }) });

// ---------------------------------------------------------------------------------------------
// Problems

export async function createProblem(deps: ProblemDeps, caller: Caller, input: ProblemInput): Promise<Problem> {
  requireScope(caller, 'problem:manage', 'manage problems');
  const at = now(deps);
  // The body is validated by its schema before this runs: a refused request burns no number.
  const problem = newProblem(deps.ids.newId(), await deps.problems.allocateProblemNumber(), input, caller, at);
  await deps.problems.createProblem(problem, logEntry(deps, problem.id, 'state-change', 'Problem recorded (New)', caller, at));
  await deps.audit.record(recordChangeEntry(caller, 'problem:create', { type: 'problem', id: problem.id }, undefined, problem));
  return problem;
}

export async function getProblem(deps: ProblemDeps, caller: Caller, id: string): Promise<Problem> {
  requireScope(caller, 'problem:read', 'read problems');
  return loadProblem(deps, id);
}

export async function listProblems(deps: ProblemDeps, caller: Caller, query: PageQuery & { readonly state?: ProblemState | undefined }): Promise<Page<Problem>> {
  requireScope(caller, 'problem:read', 'list problems');
  return deps.problems.listProblems(query.state ? { state: query.state } : {}, pageOf(query));
}

/**
 * Changes fields and state. Moving into Root Cause Analysis first searches the known-error
 * database (the body's `kedbQuery`, else the problem's title and description) and records the
 * query and results on the problem and in its log: search first, then analyse.
 */
export async function updateProblem(
  deps: ProblemDeps,
  caller: Caller,
  ref: string,
  changes: ProblemChanges & { readonly kedbQuery?: string | undefined },
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<Problem> {
  requireScope(caller, 'problem:manage', 'manage problems');
  const current = await loadProblem(deps, ref);
  const id = current.id;
  assertVersionPrecondition(ifMatchVersion, current.version);
  const { kedbQuery, ...fields } = changes;
  if (kedbQuery !== undefined && fields.state !== 'Root Cause Analysis') {
    throw new InvalidInputError([{ field: 'kedbQuery', message: 'is only sent when moving the problem into Root Cause Analysis' }]);
  }
  if (fields.knownErrorId !== undefined && !(await deps.problems.getKnownError(fields.knownErrorId))) {
    throw new InvalidInputError([{ field: 'knownErrorId', message: `${fields.knownErrorId} is not a known error` }]);
  }
  const at = now(deps);
  let search: KedbSearchRecord | undefined;
  const entering = fields.state !== undefined && fields.state !== current.state ? fields.state : undefined;
  if (entering === 'Root Cause Analysis' && current.state === 'Assessed') {
    const query = kedbQuery ?? `${current.title} ${current.description}`;
    const found = await searchKnowledge(deps.problems, { text: query, services: current.services }, 10, true);
    search = { query, at, by: caller.name, results: found };
  }
  const next = changeProblem(current, fields, caller, at, search);
  const log: ProblemLogEntry[] = [];
  if (search) {
    const summary = search.results.length ? search.results.map((r) => `${r.kind} ${r.id} "${r.title}" (${r.score})`).join('; ') : 'no matches';
    log.push(logEntry(deps, id, 'kedb-search', `Known-error search "${search.query.slice(0, 200)}": ${summary}`, caller, at));
  }
  if (entering) log.push(logEntry(deps, id, 'state-change', `${current.state} → ${entering}`, caller, at));
  await deps.problems.saveProblem(next, current.version, log);
  await deps.audit.record(recordChangeEntry(caller, 'problem:update', { type: 'problem', id }, current, next));
  return next;
}

export async function appendProblemLog(deps: ProblemDeps, caller: Caller, ref: string, entry: { readonly kind: ProblemLogKind; readonly text: string }): Promise<ProblemLogEntry> {
  requireScope(caller, 'problem:manage', 'add to problem logs');
  const problem = await loadProblem(deps, ref);
  const id = problem.id;
  if (!isProblemOpen(problem.state)) throw new LifecycleError(`A ${problem.state.toLowerCase()} problem's log is closed`, 'state');
  const stored = logEntry(deps, id, entry.kind, entry.text, caller, now(deps));
  await deps.problems.appendLog(stored);
  await deps.audit.record(recordChangeEntry(caller, 'problem:log', { type: 'problem', id }, undefined, { log: { kind: stored.kind, text: stored.text } }));
  return stored;
}

export async function problemLog(deps: ProblemDeps, caller: Caller, ref: string, page: PageQuery): Promise<Page<ProblemLogEntry>> {
  requireScope(caller, 'problem:read', 'read problems');
  const { id } = await loadProblem(deps, ref);
  return deps.problems.listLog(id, pageOf(page));
}

/** The most incidents a candidates window may hold: beyond it the caller narrows the window. */
export const MAX_CANDIDATE_INCIDENTS = 5000;
/** Link look-ups (one Query on byIncident each) run this many at a time. */
const LINK_LOOKUPS_AT_ONCE = 16;

export interface ProblemCandidates {
  readonly window: { readonly from: string; readonly to: string; readonly duration: string };
  readonly threshold: number;
  readonly incidentsRead: number;
  readonly candidates: readonly ProblemCandidate[];
  readonly duplicates: readonly DuplicatePair[];
}

/**
 * Proposes problems from trends: the incidents logged within the window (Queries on byCreated,
 * at most MAX_CANDIDATE_INCIDENTS, else 400 naming window), grouped by service, category and
 * alarm; in the groups that reach the threshold, incidents already linked to a problem are
 * dropped (one Query on byIncident each) and the groups counted again. Likely duplicates are
 * flagged among all the window's incidents.
 */
export async function problemCandidates(
  deps: ProblemDeps,
  caller: Caller,
  query: { readonly window?: string | undefined; readonly threshold?: number | undefined },
  defaults: { readonly candidateWindow: string; readonly candidateThreshold: number },
): Promise<ProblemCandidates> {
  requireScope(caller, 'problem:read', 'read problems');
  const duration = query.window ?? defaults.candidateWindow;
  const threshold = query.threshold ?? defaults.candidateThreshold;
  const windowMs = parseIsoDuration(duration);
  if (windowMs === undefined || windowMs <= 0) throw new InvalidInputError([{ field: 'window', message: 'must be a positive ISO 8601 duration, e.g. P30D' }]);
  const to = deps.clock.now();
  const from = new Date(to.getTime() - windowMs);
  const incidents: Incident[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.incidents.createdBetween(from.toISOString(), to.toISOString(), { limit: 1000, ...(nextToken && { nextToken }) });
    incidents.push(...page.items);
    nextToken = page.nextToken;
    if (incidents.length > MAX_CANDIDATE_INCIDENTS) {
      throw new InvalidInputError([{ field: 'window', message: `holds more than ${MAX_CANDIDATE_INCIDENTS} incidents; ask for a shorter window` }]);
    }
  } while (nextToken);
  const trend = incidents.map(toTrendIncident);
  const inGroups = new Set(trendGroups(trend, threshold).flatMap((c) => c.incidents.map((i) => i.id)));
  const linked = new Set<string>();
  const toCheck = [...inGroups];
  for (let i = 0; i < toCheck.length; i += LINK_LOOKUPS_AT_ONCE) {
    await Promise.all(
      toCheck.slice(i, i + LINK_LOOKUPS_AT_ONCE).map(async (id) => {
        if ((await deps.problems.problemsOfIncident(id, { limit: 1 })).items.length > 0) linked.add(id);
      }),
    );
  }
  return {
    window: { from: from.toISOString(), to: to.toISOString(), duration },
    threshold,
    incidentsRead: incidents.length,
    candidates: trendGroups(trend.filter((i) => inGroups.has(i.id) && !linked.has(i.id)), threshold),
    duplicates: likelyDuplicates(trend),
  };
}

const toTrendIncident = (i: Incident): TrendIncident => ({
  id: i.id,
  number: i.number,
  shortDescription: i.shortDescription,
  service: i.service,
  category: i.category,
  ...(i.alarmArn && { alarmArn: i.alarmArn }),
  createdAt: i.createdAt,
});

// ---------------------------------------------------------------------------------------------
// Root-cause analyses

/** A new analysis (version 1). Analyses start once the problem is in Root Cause Analysis, after the known-error search. */
export async function addAnalysis(deps: ProblemDeps, caller: Caller, ref: string, content: AnalysisContent): Promise<Analysis> {
  requireScope(caller, 'problem:manage', 'analyse problems');
  const problem = await loadProblem(deps, ref);
  const problemId = problem.id;
  if (problem.state !== 'Root Cause Analysis' || !problem.kedbSearch) {
    throw new LifecycleError(
      `An analysis starts in Root Cause Analysis, after the known-error search; this problem is ${problem.state}${problem.kedbSearch ? '' : ' and has no search recorded'}`,
      'state',
    );
  }
  validateAnalysis(content);
  const analysis: Analysis = { id: deps.ids.newId(), problemId, version: 1, content, createdAt: now(deps), createdBy: caller.name };
  await deps.problems.putAnalysis(analysis);
  await deps.audit.record(recordChangeEntry(caller, 'problem:analysis', { type: 'problem', id: problemId }, undefined, { analysis: { id: analysis.id, version: 1, method: content.method } }));
  return analysis;
}

/** The next version of an analysis; every version is kept. If-Match names the version revised. */
export async function reviseAnalysis(
  deps: ProblemDeps,
  caller: Caller,
  ref: string,
  analysisId: string,
  content: AnalysisContent,
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<Analysis> {
  requireScope(caller, 'problem:manage', 'analyse problems');
  const problem = await loadProblem(deps, ref);
  const problemId = problem.id;
  const current = await deps.problems.latestAnalysis(problemId, analysisId);
  if (!current) throw new NotFoundError(`Problem ${problemId} has no analysis ${analysisId}`, 'analysisId');
  assertVersionPrecondition(ifMatchVersion, current.version);
  if (!isProblemOpen(problem.state)) throw new LifecycleError(`A ${problem.state.toLowerCase()} problem's analyses are final`, 'state');
  if (content.method !== current.content.method) {
    throw new InvalidInputError([{ field: 'method', message: `a revision keeps the method (${current.content.method}); start a new analysis for another` }]);
  }
  validateAnalysis(content);
  const next: Analysis = { ...current, version: current.version + 1, content, createdAt: now(deps), createdBy: caller.name };
  await deps.problems.putAnalysis(next);
  await deps.audit.record(
    recordChangeEntry(caller, 'problem:analysis', { type: 'problem', id: problemId }, { analysis: { id: current.id, version: current.version } }, { analysis: { id: next.id, version: next.version } }),
  );
  return next;
}

export async function listAnalyses(deps: ProblemDeps, caller: Caller, ref: string, page: PageQuery): Promise<Page<Analysis>> {
  requireScope(caller, 'problem:read', 'read problems');
  const { id } = await loadProblem(deps, ref);
  return deps.problems.listAnalyses(id, pageOf(page));
}

// ---------------------------------------------------------------------------------------------
// Links: incidents ↔ problems (many-to-many), problems → changes

/** Links an incident; `created: false` when the pair was linked already (by anyone): still one link. */
export async function linkIncident(deps: ProblemDeps, caller: Caller, problemRef: string, incidentRef: string): Promise<{ readonly link: IncidentLink; readonly created: boolean }> {
  requireScope(caller, 'problem:link-incident', 'link incidents to problems');
  const problem = await loadProblem(deps, problemRef);
  const problemId = problem.id;
  if (!isProblemOpen(problem.state)) throw new LifecycleError(`Incidents are not linked to a ${problem.state.toLowerCase()} problem`, 'state');
  const incident = await loadIncident(deps, incidentRef, 'incidentId');
  const link: IncidentLink = {
    problemId,
    incidentId: incident.id,
    incidentNumber: incident.number,
    linkedAt: now(deps),
    linkedBy: caller.name,
    incidentCreatedAt: incident.createdAt,
    usersAffected: incident.usersAffected ?? 0,
  };
  const created = await deps.problems.linkIncident(link);
  if (created) {
    await deps.audit.record(recordChangeEntry(caller, 'problem:link-incident', { type: 'problem', id: problemId }, undefined, { incident: incident.id }));
  }
  return { link, created };
}

export async function unlinkIncident(deps: ProblemDeps, caller: Caller, problemRef: string, incidentRef: string): Promise<void> {
  requireScope(caller, 'problem:link-incident', 'unlink incidents from problems');
  const { id: problemId } = await loadProblem(deps, problemRef);
  const incident = await loadIncident(deps, incidentRef, 'incidentId');
  if (!(await deps.problems.unlinkIncident(problemId, incident.id))) {
    throw new NotFoundError(`Incident ${incidentRef} is not linked to problem ${problemId}`, 'incidentId');
  }
  await deps.audit.record(recordChangeEntry(caller, 'problem:unlink-incident', { type: 'problem', id: problemId }, { incident: incident.id }, {}));
}

export async function incidentsOfProblem(deps: ProblemDeps, caller: Caller, problemRef: string, page: PageQuery): Promise<Page<IncidentLink>> {
  requireScope(caller, 'problem:read', 'read problems');
  const { id } = await loadProblem(deps, problemRef);
  return deps.problems.incidentsOfProblem(id, pageOf(page));
}

export async function problemsOfIncident(deps: ProblemDeps, caller: Caller, incidentRef: string, page: PageQuery): Promise<Page<IncidentLink>> {
  requireScope(caller, 'problem:read', 'read problems');
  const incident = await loadIncident(deps, incidentRef, 'id');
  return deps.problems.problemsOfIncident(incident.id, pageOf(page));
}

/** Changes are managed elsewhere: the id's format is checked (by the schema), not its existence. */
export async function linkChange(deps: ProblemDeps, caller: Caller, problemRef: string, request: { readonly changeId: string; readonly note?: string | undefined }): Promise<{ readonly link: ChangeLink; readonly created: boolean }> {
  requireScope(caller, 'problem:manage', 'link changes to problems');
  const problem = await loadProblem(deps, problemRef);
  const problemId = problem.id;
  if (!isProblemOpen(problem.state)) throw new LifecycleError(`Changes are not linked to a ${problem.state.toLowerCase()} problem`, 'state');
  const link: ChangeLink = { problemId, changeId: request.changeId, ...(request.note && { note: request.note }), linkedAt: now(deps), linkedBy: caller.name };
  const created = await deps.problems.linkChange(link);
  if (created) await deps.audit.record(recordChangeEntry(caller, 'problem:link-change', { type: 'problem', id: problemId }, undefined, { change: link.changeId }));
  return { link, created };
}

export async function changesOfProblem(deps: ProblemDeps, caller: Caller, problemRef: string, page: PageQuery): Promise<Page<ChangeLink>> {
  requireScope(caller, 'problem:read', 'read problems');
  const { id } = await loadProblem(deps, problemRef);
  return deps.problems.changesOfProblem(id, pageOf(page));
}

// ---------------------------------------------------------------------------------------------
// Known errors and error control

export async function createKnownError(deps: ProblemDeps, caller: Caller, input: KnownErrorInput): Promise<KnownError> {
  requireScope(caller, 'known-error:manage', 'manage known errors');
  if (input.problemId !== undefined) await loadProblem(deps, input.problemId, 'problemId');
  const knownError = newKnownError(deps.ids.newId(), input, caller, now(deps));
  await deps.problems.putKnownError(knownError, knownErrorTerms(knownError));
  await deps.audit.record(recordChangeEntry(caller, 'known-error:create', { type: 'known-error', id: knownError.id }, undefined, knownError));
  return knownError;
}

export async function getKnownError(deps: ProblemDeps, caller: Caller, id: string): Promise<KnownError> {
  requireScope(caller, 'known-error:read', 'read known errors');
  return loadKnownError(deps, id);
}

export async function updateKnownError(deps: ProblemDeps, caller: Caller, id: string, changes: Partial<KnownErrorInput>, ifMatchVersion: VersionPrecondition | undefined): Promise<KnownError> {
  requireScope(caller, 'known-error:manage', 'manage known errors');
  const current = await loadKnownError(deps, id);
  assertVersionPrecondition(ifMatchVersion, current.version);
  if (changes.problemId !== undefined) await loadProblem(deps, changes.problemId, 'problemId');
  return saveKnownError(deps, caller, 'known-error:update', current, changeKnownError(current, changes, caller, now(deps)));
}

/** A candidate solution: appended under the stored version (no If-Match: proposals do not overwrite each other). */
export async function proposeSolution(
  deps: ProblemDeps,
  caller: Caller,
  id: string,
  solution: { readonly description: string; readonly estimatedCost: string; readonly expectedBenefit: string },
): Promise<KnownError> {
  requireScope(caller, 'known-error:manage', 'propose solutions');
  const current = await loadKnownError(deps, id);
  return saveKnownError(deps, caller, 'known-error:propose-solution', current, addCandidateSolution(current, { id: deps.ids.newId(), ...solution }, caller, now(deps)));
}

export async function decideKnownError(
  deps: ProblemDeps,
  caller: Caller,
  id: string,
  request: { readonly decision: ErrorDecision; readonly reason: string; readonly solutionId?: string | undefined },
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<KnownError> {
  requireScope(caller, 'known-error:decide', 'decide on known errors (service owners)');
  const current = await loadKnownError(deps, id);
  assertVersionPrecondition(ifMatchVersion, current.version);
  return saveKnownError(deps, caller, 'known-error:decide', current, decide(current, request, caller, now(deps)));
}

async function saveKnownError(deps: ProblemDeps, caller: Caller, action: string, current: KnownError, next: KnownError): Promise<KnownError> {
  // Its published article follows it: checked before anything is stored, updated right after.
  const article = next.articleId ? await deps.problems.getArticle(next.articleId) : undefined;
  const articleChanges = article ? knownErrorArticleChanges(article, next) : undefined;
  if (article?.state === 'published' && articleChanges) assertKnownErrorPublishable(next);
  const previousTerms = await deps.problems.knownErrorTerms(current.id);
  await deps.problems.putKnownError(next, knownErrorTerms(next), { version: current.version, terms: previousTerms });
  await deps.audit.record(recordChangeEntry(caller, action, { type: 'known-error', id: current.id }, current, next));
  if (article && articleChanges) await saveArticle(deps, caller, article, changeArticle(article, articleChanges, caller, next.updatedAt));
  return next;
}

const REVIEW_PERIOD_MS = 30 * 24 * 3600 * 1000;
/** Page size of the review's two Queries (every known error, the links of recent incidents). */
const REVIEW_PAGE = 500;

export type KnownErrorView = KnownError & { readonly impact?: { readonly incidentsLast30Days: number; readonly usersAffected: number }; readonly score?: number };

/**
 * Known errors: all (oldest first, paginated), found by words (`q`, ranked), or for the service
 * owner's review: by ongoing impact — incidents linked to their problem in the last 30 days, then
 * users those incidents affect. Search and review answer the best `limit` (≤ 100), with no next page.
 */
export async function listKnownErrors(
  deps: ProblemDeps,
  caller: Caller,
  query: PageQuery & { readonly review?: boolean | undefined; readonly q?: string | undefined; readonly service?: string | undefined },
): Promise<Page<KnownErrorView>> {
  requireScope(caller, 'known-error:read', 'read known errors');
  if ((query.review || query.q !== undefined || query.service !== undefined) && query.nextToken !== undefined) {
    throw new InvalidInputError([{ field: 'nextToken', message: 'search and review answer one ranked page; nextToken is for the full list only' }]);
  }
  if (query.review && (query.q !== undefined || query.service !== undefined)) {
    throw new InvalidInputError([{ field: 'review', message: 'the review ranks every known error; do not combine it with q or service' }]);
  }
  if (query.q !== undefined || query.service !== undefined) {
    const matches = await rankedMatches(deps.problems, 'ke', { text: query.q ?? '', services: query.service ? [query.service] : [] }, query.limit);
    const items = await Promise.all(matches.map(async (m) => ({ m, ke: await deps.problems.getKnownError(m.id) })));
    return { items: items.filter((x) => x.ke).map(({ m, ke }) => ({ ...ke!, score: m.score })) };
  }
  if (!query.review) return deps.problems.listKnownErrors(pageOf(query));
  return { items: await knownErrorReview(deps, query.limit) };
}

/**
 * Every known error whose fix is not implemented, ranked by ongoing impact. Two paginated
 * Queries whatever the number of known errors: all known errors (byKind), and the links of the
 * incidents logged in the last 30 days (byKind, by the incident's creation), counted per problem.
 */
async function knownErrorReview(deps: ProblemDeps, limit: number): Promise<KnownErrorView[]> {
  const since = new Date(deps.clock.now().getTime() - REVIEW_PERIOD_MS).toISOString();
  const [knownErrors, links] = await Promise.all([
    everyPage((page) => deps.problems.listKnownErrors(page)),
    everyPage((page) => deps.problems.incidentLinksSince(since, page)),
  ]);
  const impactOf = new Map<string, { incidentsLast30Days: number; usersAffected: number }>();
  for (const link of links) {
    const impact = impactOf.get(link.problemId) ?? { incidentsLast30Days: 0, usersAffected: 0 };
    impactOf.set(link.problemId, { incidentsLast30Days: impact.incidentsLast30Days + 1, usersAffected: impact.usersAffected + link.usersAffected });
  }
  const rated = knownErrors
    .filter((ke) => ke.fixStatus !== 'implemented')
    .map((ke) => ({ ...ke, impact: (ke.problemId && impactOf.get(ke.problemId)) || { incidentsLast30Days: 0, usersAffected: 0 } }));
  rated.sort((a, b) => b.impact.incidentsLast30Days - a.impact.incidentsLast30Days || b.impact.usersAffected - a.impact.usersAffected || a.id.localeCompare(b.id));
  return rated.slice(0, limit);
}

async function everyPage<T>(read: (page: { limit: number; nextToken?: string }) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await read({ limit: REVIEW_PAGE, ...(nextToken && { nextToken }) });
    all.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

// ---------------------------------------------------------------------------------------------
// Knowledge articles (minimal)

export async function createArticle(deps: ProblemDeps, caller: Caller, input: KnowledgeArticleInput): Promise<KnowledgeArticle> {
  requireScope(caller, 'knowledge:manage', 'write knowledge articles');
  const article = newKnowledgeArticle(deps.ids.newId(), input, caller, now(deps));
  assertNoSecretsWhenPublished(article);
  await deps.problems.createArticle(article, articleTerms(article), publishingEffects(deps, undefined, article));
  await deps.audit.record(recordChangeEntry(caller, 'article:create', { type: 'article', id: article.id }, undefined, article));
  return article;
}

/**
 * Reads an article by id, and counts the read: one UpdateItem (a view, the last access), no new
 * version and no audit record — a read is not a change. Requesters get 404 for what they may not
 * see, as for incidents: ids cannot be probed.
 */
export async function getArticle(deps: ProblemDeps, caller: Caller, id: string): Promise<KnowledgeArticle> {
  const scope = requireScope(caller, 'knowledge:read', 'read knowledge articles');
  const article = await deps.problems.recordView(id, now(deps), scope === 'published');
  if (!article) throw new NotFoundError(`No knowledge article ${id}`, 'id');
  return article;
}

/**
 * A short-lived link to the self-help site's downloadable bundle (the whole site as one zip, for
 * the client to host anywhere): knowledge managers only (it is what they publish). 404 when the
 * client has no bundle, or none is built yet.
 */
export async function siteBundleLink(deps: Pick<ProblemDeps, 'siteBundle'>, caller: Caller): Promise<{ readonly url: string; readonly expiresAt: string }> {
  requireScope(caller, 'knowledge:manage', 'download the self-help site bundle');
  const link = await deps.siteBundle?.link();
  if (!link) throw new NotFoundError('No self-help site bundle: the client config has none (selfHelp.bundle), or the site was not built yet', 'selfHelp.bundle');
  return link;
}

/**
 * A page of the public self-help site was opened (its page's beacon, through the site's own
 * address): counts a read of the article, which keeps it from retirement as stale. No caller: the
 * page is public, so only published public articles count; anything else is 404, as absent.
 */
export async function countSiteView(deps: ProblemDeps, id: string): Promise<void> {
  if (!(await deps.problems.recordSiteView(id, now(deps)))) throw new NotFoundError(`No public knowledge article ${id}`, 'id');
}

/** Edits, publishes, archives or restores an article (If-Match). Publishing indexes its terms; leaving published drops them. */
export async function updateArticle(deps: ProblemDeps, caller: Caller, id: string, changes: ArticleChanges, ifMatchVersion: VersionPrecondition | undefined): Promise<KnowledgeArticle> {
  requireScope(caller, 'knowledge:manage', 'write knowledge articles');
  const current = await deps.problems.getArticle(id);
  if (!current) throw new NotFoundError(`No knowledge article ${id}`, 'id');
  assertVersionPrecondition(ifMatchVersion, current.version);
  const next = changeArticle(current, changes, caller, now(deps));
  if (current.knownErrorId && (changes.title !== undefined || changes.body !== undefined)) {
    throw new InvalidInputError([
      { field: changes.body !== undefined ? 'body' : 'title', message: `follows known error ${current.knownErrorId}: change its symptoms or workaround instead` },
    ]);
  }
  assertNoSecretsWhenPublished(next);
  await saveArticle(deps, caller, current, next);
  return next;
}

/**
 * A published article is read by every requester and indexed for search: free text that holds a
 * credential (often pasted from a resolution's notes into a draft) is refused before it is
 * published, naming the field (issue 20).
 */
function assertNoSecretsWhenPublished(article: KnowledgeArticle): void {
  if (article.state !== 'published') return;
  const issues = findSecrets({ title: article.title, body: article.body, tags: article.tags });
  if (issues.length > 0) throw new InvalidInputError(issues.map((i) => ({ field: i.field, message: `${i.message}; remove it before publishing` })));
}

/**
 * Where a change is published, when it touches what readers see (an article published and not
 * internal, before or after the change): the self-help site's rebuild, and where the client has a
 * ServiceNow knowledge base, its `kb_knowledge` record (by the readers of that knowledge base, the
 * site's own rule: isOnSite). One effect of each per article version, stored with the change.
 */
function publishingEffects(deps: Pick<ProblemDeps, 'knowledgeBase'>, current: KnowledgeArticle | undefined, next: KnowledgeArticle): OutboxEffect[] {
  const effects: Effect[] = [];
  if ((current !== undefined && isOnSelfHelp(current)) || isOnSelfHelp(next)) effects.push({ kind: 'publish-site', articleId: next.id });
  const kb = deps.knowledgeBase;
  if (kb && ((current !== undefined && isOnSite(current, kb.access)) || isOnSite(next, kb.access))) {
    effects.push({ kind: 'servicenow-kb-sync', articleId: next.id, version: next.version });
  }
  return effectsOf(next.id, next.version, effects);
}

/**
 * Publishes a known error's symptoms and workaround as a `client` article, linked both ways (the
 * article names the known error, the known error the article) in one transaction with the site's
 * rebuild. Once linked, again brings the article up to date and publishes it if it is not.
 * Never the root cause, solutions or decision: those are internal analysis.
 */
export async function publishKnownErrorArticle(
  deps: ProblemDeps,
  caller: Caller,
  id: string,
  audience: 'client' | 'public' = 'client',
): Promise<{ readonly article: KnowledgeArticle; readonly created: boolean }> {
  requireScope(caller, 'known-error:manage', 'manage known errors');
  requireScope(caller, 'knowledge:manage', 'write knowledge articles');
  const knownError = await loadKnownError(deps, id);
  assertKnownErrorPublishable(knownError);
  const at = now(deps);
  const existing = knownError.articleId ? await deps.problems.getArticle(knownError.articleId) : undefined;
  if (existing) {
    const changes = {
      ...knownErrorArticleChanges(existing, knownError),
      ...(existing.state !== 'published' && { state: 'published' as const }),
      ...(audienceOf(existing) !== audience && { audience }),
    };
    if (Object.keys(changes).length === 0) return { article: existing, created: false };
    const next = changeArticle(existing, changes, caller, at);
    await saveArticle(deps, caller, existing, next);
    return { article: next, created: false };
  }
  const article = knownErrorArticle(deps.ids.newId(), knownError, caller, at, audience);
  const linked: KnownError = { ...knownError, articleId: article.id, updatedAt: at, updatedBy: caller.name, version: knownError.version + 1 };
  await deps.problems.createKnownErrorArticle(article, articleTerms(article), linked, knownError.version, publishingEffects(deps, undefined, article));
  await deps.audit.record(recordChangeEntry(caller, 'article:create', { type: 'article', id: article.id }, undefined, article));
  await deps.audit.record(recordChangeEntry(caller, 'known-error:publish-article', { type: 'known-error', id: knownError.id }, knownError, linked));
  return { article, created: true };
}

/** A known error's published fields, checked for secrets under their own names (symptoms, workaround…). */
function assertKnownErrorPublishable(knownError: KnownError): void {
  const issues = findSecrets(Object.fromEntries(KNOWN_ERROR_PUBLISHED_FIELDS.map((field) => [field, knownError[field]])));
  if (issues.length > 0) throw new InvalidInputError(issues);
}

async function saveArticle(deps: Pick<ProblemDeps, 'problems' | 'audit' | 'knowledgeBase'>, actor: Actor & { readonly roles?: readonly string[] }, current: KnowledgeArticle, next: KnowledgeArticle, lastActivity?: string): Promise<void> {
  const previousTerms = current.state === 'published' ? await deps.problems.articleTerms(current.id) : [];
  await deps.problems.saveArticle(next, { version: current.version, state: current.state, terms: previousTerms }, articleTerms(next), {
    ...(lastActivity !== undefined && { lastActivity }),
    effects: publishingEffects(deps, current, next),
  });
  const action = next.state === current.state ? 'article:update' : next.state === 'published' ? 'article:publish' : `article:${next.state === 'archived' ? 'archive' : 'update'}`;
  await deps.audit.record(recordChangeEntry(actor, action, { type: 'article', id: current.id }, withoutReads(current), withoutReads(next)));
}

/** Views and last access are the reads' own: an edit's audit record does not list them as changed. */
const withoutReads = ({ views: _views, lastAccessedAt: _last, ...article }: KnowledgeArticle) => article;

/** Who retires stale articles, in the audit trail. */
export const KNOWLEDGE_RETIREMENT_ACTOR: Actor = { id: 'system:knowledge-retirement', name: 'system:knowledge-retirement' };
/** Articles archived per run at most; the next run continues. */
export const MAX_RETIRED_PER_RUN = 500;

/**
 * The retirement job: archives published articles nobody has read (nor published again) for
 * `staleAfter` (the client's knowledgeStaleAfter). Queries byLastAccess for the stale ones — no
 * Scan — and archives each under its version and its last activity as read: an article read or
 * changed meanwhile is left alone. Archiving removes its search terms; each archive is audited.
 */
export async function retireStaleArticles(deps: Pick<ProblemDeps, 'problems' | 'clock' | 'audit' | 'knowledgeBase'>, staleAfter: string, maxArticles = MAX_RETIRED_PER_RUN): Promise<number> {
  const periodMs = parseIsoDuration(staleAfter);
  if (periodMs === undefined) throw new Error(`knowledgeStaleAfter ${staleAfter} is not an ISO 8601 duration`);
  const at = deps.clock.now();
  const before = new Date(at.getTime() - periodMs).toISOString();
  const skipped = new Set<string>();
  let archived = 0;
  while (archived < maxArticles) {
    // Archived articles leave the index, so each round reads the oldest that are left.
    const stale = await deps.problems.staleArticles(before, STALE_PAGE);
    const todo = stale.filter((s) => !skipped.has(s.article.id)).slice(0, maxArticles - archived);
    if (todo.length === 0) break;
    for (const { article, lastActivity } of todo) {
      const next = changeArticle(article, { state: 'archived' }, KNOWLEDGE_RETIREMENT_ACTOR, at.toISOString());
      try {
        await saveArticle(deps, KNOWLEDGE_RETIREMENT_ACTOR, article, next, lastActivity);
        archived++;
      } catch (error) {
        // Read, edited or archived by someone since the Query: not stale any more, or not ours to decide.
        if (!(error instanceof VersionConflictError)) throw error;
        skipped.add(article.id);
      }
    }
    if (stale.length < STALE_PAGE) break;
  }
  return archived;
}

const STALE_PAGE = 100;

export async function searchArticles(
  deps: ProblemDeps,
  caller: Caller,
  query: { readonly q?: string | undefined; readonly service?: string | undefined; readonly category?: string | undefined; readonly tag?: string | undefined; readonly limit: number; readonly nextToken?: string | undefined },
): Promise<Page<KnowledgeArticle & { readonly score: number }>> {
  const scope = requireScope(caller, 'knowledge:read', 'read knowledge articles');
  if (query.nextToken !== undefined) throw new InvalidInputError([{ field: 'nextToken', message: 'search answers one ranked page; ask for a higher limit (≤ 100)' }]);
  const matches = await rankedMatches(
    deps.problems,
    'ka',
    { text: query.q ?? '', services: query.service ? [query.service] : [], ...(query.category && { category: query.category }), tags: query.tag ? [query.tag] : [] },
    query.limit,
  );
  const items = await Promise.all(matches.map(async (m) => ({ m, a: await deps.problems.getArticle(m.id) })));
  // Only published articles are indexed; the state check keeps a just-archived one out too.
  const visible = (a: KnowledgeArticle | undefined) => a?.state === 'published' && (scope === 'any' || audienceOf(a) !== 'internal');
  return { items: items.filter((x) => visible(x.a)).map(({ m, a }) => ({ ...a!, score: m.score })) };
}

// ---------------------------------------------------------------------------------------------
// Draft articles from resolutions (made by the incidents function, stored by the outbox consumer)

export interface ResolutionDraftDeps {
  readonly drafts: ResolutionDrafts;
}

/**
 * The id of the draft of an incident's n-th resolution (n = reopenCount + 1): the same incident and
 * resolution always give the same id, so a retried or replayed resolution finds its draft already
 * stored (conditional Put) and makes no second one. A name-based UUID (RFC 9562 version 8, SHA-256).
 */
export function resolutionDraftId(incidentId: string, resolution: number): string {
  const hex = createHash('sha256').update(`resolution-draft:${incidentId}#${resolution}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The draft of an incident's resolution, made with the resolution (the incidents function stores it
 * as an outbox effect in the resolution's transaction); undefined when the notes are empty.
 */
export function resolutionDraftOf(incident: Incident, actor: Actor, at: string): KnowledgeArticle | undefined {
  return resolutionDraft(resolutionDraftId(incident.id, incident.reopenCount + 1), incident, actor, at);
}

/**
 * Delivers a draft-article effect (the outbox consumer): stores the draft, audited as its
 * resolver's, unless it is stored already (a redelivery). The draft and its audit record go in one
 * transaction, so a consumer that dies midway leaves both or neither. Throws when they could not
 * be stored, so the effect stays and is retried.
 */
export async function recordResolutionDraft(
  deps: ResolutionDraftDeps,
  article: KnowledgeArticle,
  actor: Actor & { readonly roles?: readonly string[] },
): Promise<void> {
  await deps.drafts.recordDraft(article, recordChangeEntry(actor, 'article:draft-from-resolution', { type: 'article', id: article.id }, undefined, article));
}

// ---------------------------------------------------------------------------------------------
// Search, shared with the incidents function's suggestions

export interface SearchSubject {
  readonly text: string;
  readonly services?: readonly string[];
  readonly category?: string;
  readonly tags?: readonly string[];
}

export interface Suggestions {
  readonly knownErrors: readonly { readonly id: string; readonly title: string; readonly workaround: string; readonly fixStatus: string; readonly score: number }[];
  readonly articles: readonly { readonly id: string; readonly title: string; readonly score: number }[];
}

/** Query terms: service and category first (never cut), then tags and words, up to MAX_QUERY_TERMS Queries. */
function queryTerms(subject: SearchSubject): string[] {
  return [
    ...new Set([
      ...(subject.services ?? []).map(serviceTerm),
      ...(subject.category ? [categoryTerm(subject.category)] : []),
      ...(subject.tags ?? []).map(tagTerm),
      ...tokenize(subject.text),
    ]),
  ].slice(0, MAX_QUERY_TERMS);
}

/** Enough hits per term to rank well, few enough that a very common word stays cheap. */
const HITS_PER_TERM = 200;

async function rankedMatches(search: KnowledgeSearch, kind: 'ke' | 'ka', subject: SearchSubject, limit: number): Promise<RankedMatch[]> {
  const terms = queryTerms(subject);
  if (terms.length === 0) return [];
  return rank(terms, await search.termHits(kind, terms, HITS_PER_TERM), limit);
}

/** Known errors and published articles matching the subject, best first, with titles (and workarounds). */
export async function searchKnowledge(search: KnowledgeSearch, subject: SearchSubject, limit: number, includeArticles: boolean): Promise<KedbSearchRecord['results'][number][]> {
  const found = await suggestionsFor(search, subject, limit, includeArticles);
  return [
    ...found.knownErrors.map((k) => ({ id: k.id, kind: 'known-error' as const, title: k.title, score: k.score })),
    ...found.articles.map((a) => ({ id: a.id, kind: 'article' as const, title: a.title, score: a.score })),
  ];
}

/**
 * What the desk sees when it logs an incident: known errors (with workarounds) and published
 * articles matching its service, category and words. Requesters get articles only.
 */
export async function suggestionsFor(search: KnowledgeSearch, subject: SearchSubject, limit: number, includeKnownErrors: boolean): Promise<Suggestions> {
  const [keMatches, kaMatches] = await Promise.all([
    includeKnownErrors ? rankedMatches(search, 'ke', subject, limit) : Promise.resolve([]),
    rankedMatches(search, 'ka', subject, limit),
  ]);
  const [knownErrors, articles] = await Promise.all([
    Promise.all(keMatches.map(async (m) => ({ m, ke: await search.getKnownError(m.id) }))),
    Promise.all(kaMatches.map(async (m) => ({ m, a: await search.getArticle(m.id) }))),
  ]);
  return {
    knownErrors: knownErrors
      .filter((x) => x.ke)
      .map(({ m, ke }) => ({ id: ke!.id, title: ke!.title, workaround: ke!.workaround, fixStatus: ke!.fixStatus, score: m.score })),
    // Requesters (no known errors) never get internal articles.
    articles: articles
      .filter((x) => x.a?.state === 'published' && (includeKnownErrors || audienceOf(x.a) !== 'internal'))
      .map(({ m, a }) => ({ id: a!.id, title: a!.title, score: m.score })),
  };
}

/** Suggestions for an incident the caller may read: known errors for the desk, published articles for everyone who may read them. */
export function incidentSuggestions(
  search: KnowledgeSearch,
  caller: Caller,
  incident: Pick<Incident, 'shortDescription' | 'description' | 'service' | 'category'>,
): Promise<Suggestions> {
  const mayReadKnownErrors = problemScope(caller, 'known-error:read') === 'any';
  if (!mayReadKnownErrors && problemScope(caller, 'knowledge:read') === 'none') return Promise.resolve({ knownErrors: [], articles: [] });
  return suggestionsFor(
    search,
    { text: `${incident.shortDescription} ${incident.description}`, services: [incident.service], category: incident.category },
    5,
    mayReadKnownErrors,
  );
}

const knownErrorTerms = (ke: KnownError) =>
  recordTerms({ texts: [ke.title, ke.symptoms], services: ke.services, category: ke.category, tags: ke.tags });
const articleTerms = (a: KnowledgeArticle) =>
  recordTerms({ texts: [a.title], services: a.service ? [a.service] : [], category: a.category, tags: a.tags });

// ---------------------------------------------------------------------------------------------

/** A problem by id or by number (PRB0000001), as incidents are found by either. */
async function loadProblem(deps: ProblemDeps, id: string, field = 'id'): Promise<Problem> {
  const problem = PROBLEM_NUMBER_PATTERN.test(id) ? await deps.problems.getProblemByNumber(id) : await deps.problems.getProblem(id);
  if (!problem) throw new NotFoundError(`No problem ${id}`, field);
  return problem;
}

async function loadKnownError(deps: ProblemDeps, id: string): Promise<KnownError> {
  const knownError = await deps.problems.getKnownError(id);
  if (!knownError) throw new NotFoundError(`No known error ${id}`, 'id');
  return knownError;
}

async function loadIncident(deps: ProblemDeps, ref: string, field: string): Promise<Incident> {
  const incident = /^INC\d+$/.test(ref) ? await deps.incidents.getByNumber(ref) : await deps.incidents.get(ref);
  if (!incident) throw new NotFoundError(`No incident ${ref}`, field);
  return incident;
}

function logEntry(deps: ProblemDeps, problemId: string, kind: ProblemLogEntry['kind'], text: string, caller: Caller, at: string): ProblemLogEntry {
  return { id: deps.ids.newId(), problemId, kind, text, at, by: caller.name };
}


function requireScope(caller: Caller, action: ProblemAction, what: string): ProblemScope {
  const scope = problemScope(caller, action);
  if (scope === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
  return scope;
}

const now = (deps: ProblemDeps) => deps.clock.now().toISOString();
