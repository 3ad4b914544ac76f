import { InvalidInputError, LifecycleError, type FieldIssue } from '../../../kernel/domain/domain-errors';
import type { Actor } from '../../../kernel/domain/actor';
import type { Priority } from '../../../kernel/domain/priority';
import { assertProblemTransition, isProblemOpen, type ProblemState } from './problem-lifecycle';

/**
 * Problems (causes), kept apart from incidents (impacts); known errors (what was learned, with a
 * workaround); knowledge articles; and structured root-cause analyses. Pure: no I/O.
 */

/** What a known-error search found when the analysis started ("search first"). */
export interface KedbSearchRecord {
  readonly query: string;
  readonly at: string;
  readonly by: string;
  readonly results: readonly { readonly id: string; readonly kind: 'known-error' | 'article'; readonly title: string; readonly score: number }[];
}

export interface ProblemInput {
  readonly title: string;
  readonly description: string;
  readonly stakeholders?: readonly string[] | undefined;
  readonly impact: string;
  readonly evidence?: readonly string[] | undefined;
  readonly priority: Priority;
  readonly services?: readonly string[] | undefined;
  readonly cis?: readonly string[] | undefined;
  readonly assignee?: string | undefined;
}

export interface Problem extends Required<Omit<ProblemInput, 'assignee'>> {
  readonly id: string;
  /** The human number, PRB0000001: allocated when the problem is recorded. */
  readonly number: string;
  readonly assignee?: string;
  readonly state: ProblemState;
  readonly kedbSearch?: KedbSearchRecord;
  readonly knownErrorId?: string;
  readonly resolution?: string;
  readonly cancelReason?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

export interface ProblemChanges extends Partial<ProblemInput> {
  readonly state?: ProblemState;
  readonly knownErrorId?: string;
  readonly resolution?: string;
  readonly cancelReason?: string;
}

/** A problem number: `PRB` and at least 7 digits. */
export const PROBLEM_NUMBER_PATTERN = /^PRB\d{7,}$/;

export function newProblem(id: string, number: string, input: ProblemInput, actor: Actor, at: string): Problem {
  return {
    id,
    number,
    title: input.title,
    description: input.description,
    stakeholders: [...(input.stakeholders ?? [])],
    impact: input.impact,
    evidence: [...(input.evidence ?? [])],
    priority: input.priority,
    services: [...(input.services ?? [])],
    cis: [...(input.cis ?? [])],
    ...(input.assignee && { assignee: input.assignee }),
    state: 'New',
    createdAt: at,
    createdBy: actor.name,
    updatedAt: at,
    updatedBy: actor.name,
    version: 1,
  };
}

/**
 * The next version of a problem. A move into Root Cause Analysis needs `kedbSearch` (the use case
 * runs the search and passes its record); Resolved needs a resolution, Canceled a reason.
 */
export function changeProblem(current: Problem, changes: ProblemChanges, actor: Actor, at: string, kedbSearch?: KedbSearchRecord): Problem {
  if (!isProblemOpen(current.state)) {
    throw new LifecycleError(`A ${current.state.toLowerCase()} problem cannot be changed`, 'state');
  }
  const { state, ...fields } = changes;
  const issues: FieldIssue[] = [];
  if (state !== undefined && state !== current.state) {
    assertProblemTransition(current.state, state);
    if (state === 'Root Cause Analysis' && !kedbSearch) {
      throw new LifecycleError('Search the known-error database first: the analysis cannot start without a recorded search', 'kedbSearch');
    }
    if (state === 'Resolved' && !(fields.resolution ?? current.resolution)) issues.push({ field: 'resolution', message: 'is required to resolve a problem' });
    if (state === 'Canceled' && !fields.cancelReason) issues.push({ field: 'cancelReason', message: 'is required to cancel a problem' });
    if (state === 'Known Error' && !(fields.knownErrorId ?? current.knownErrorId)) {
      issues.push({ field: 'knownErrorId', message: 'is required: record the known error (POST /known-errors) and name it here' });
    }
  } else if (fields.resolution !== undefined || fields.cancelReason !== undefined) {
    const field = fields.resolution !== undefined ? 'resolution' : 'cancelReason';
    issues.push({ field, message: `is only sent with the state change it explains` });
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
  return {
    ...current,
    ...fields,
    ...(state !== undefined && { state }),
    ...(state === 'Root Cause Analysis' && kedbSearch && { kedbSearch }),
    updatedAt: at,
    updatedBy: actor.name,
    version: current.version + 1,
  };
}

/** One entry of a problem's append-only log: facts as they come in. */
export const PROBLEM_LOG_KINDS = ['fact', 'evidence', 'hypothesis', 'decision', 'note'] as const;
export type ProblemLogKind = (typeof PROBLEM_LOG_KINDS)[number];
export interface ProblemLogEntry {
  readonly id: string;
  readonly problemId: string;
  readonly kind: ProblemLogKind | 'state-change' | 'kedb-search';
  readonly text: string;
  readonly at: string;
  readonly by: string;
}

// ---------------------------------------------------------------------------------------------
// Structured root-cause analysis

export const ISHIKAWA_CATEGORIES = ['people', 'process', 'technology', 'environment', 'suppliers', 'measurement'] as const;
export type IshikawaCategory = (typeof ISHIKAWA_CATEGORIES)[number];
export const KT_DIMENSIONS = ['what', 'where', 'when', 'extent'] as const;

export interface FiveWhys {
  readonly method: 'five-whys';
  readonly steps: readonly { readonly why: string; readonly because: string }[];
  readonly rootCause: string;
}
export interface Ishikawa {
  readonly method: 'ishikawa';
  readonly effect: string;
  readonly causes: readonly { readonly category: IshikawaCategory; readonly cause: string; readonly evidence: string }[];
}
export interface KepnerTregoe {
  readonly method: 'kepner-tregoe';
  readonly specification: Readonly<Record<(typeof KT_DIMENSIONS)[number], { readonly is: string; readonly isNot: string }>>;
  readonly distinctions: readonly string[];
  readonly changes: readonly string[];
  readonly possibleCauses: readonly string[];
  readonly mostProbableCause: { readonly cause: string; readonly howTested: string };
}
export type AnalysisContent = FiveWhys | Ishikawa | KepnerTregoe;

export interface Analysis {
  readonly id: string;
  readonly problemId: string;
  readonly version: number;
  readonly content: AnalysisContent;
  readonly createdAt: string;
  readonly createdBy: string;
}

/**
 * Rules of each method beyond the shapes the schema checks: the 5 Whys is a chain (each "why"
 * after the first asks about the previous "because"), Kepner-Tregoe's most probable cause is one
 * of its possible causes, an Ishikawa cause appears once.
 */
export function validateAnalysis(content: AnalysisContent): void {
  const issues: FieldIssue[] = [];
  if (content.method === 'five-whys') {
    const last = content.steps[content.steps.length - 1];
    if (last && normalize(last.because) !== normalize(content.rootCause) && content.steps.length < 2) {
      issues.push({ field: 'steps', message: 'a chain of at least two why/because steps leads to the root cause' });
    }
    const seen = new Set<string>();
    content.steps.forEach((step, i) => {
      if (seen.has(normalize(step.why))) issues.push({ field: `steps.${i}.why`, message: 'repeats an earlier question: each step asks why of the previous answer' });
      seen.add(normalize(step.why));
    });
  } else if (content.method === 'ishikawa') {
    const seen = new Set<string>();
    content.causes.forEach((c, i) => {
      const key = `${c.category}|${normalize(c.cause)}`;
      if (seen.has(key)) issues.push({ field: `causes.${i}.cause`, message: 'is listed twice under the same category' });
      seen.add(key);
    });
  } else {
    if (!content.possibleCauses.some((c) => normalize(c) === normalize(content.mostProbableCause.cause))) {
      issues.push({ field: 'mostProbableCause.cause', message: 'must be one of possibleCauses' });
    }
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
}

const normalize = (text: string) => text.trim().toLowerCase().replace(/\s+/g, ' ');

// ---------------------------------------------------------------------------------------------
// Known errors and error control

export const FIX_STATUSES = ['none', 'planned', 'in-progress', 'implemented'] as const;
export type FixStatus = (typeof FIX_STATUSES)[number];
export const ERROR_DECISIONS = ['raise-change', 'accept', 'defer'] as const;
export type ErrorDecision = (typeof ERROR_DECISIONS)[number];

export interface CandidateSolution {
  readonly id: string;
  readonly description: string;
  readonly estimatedCost: string;
  readonly expectedBenefit: string;
  readonly proposedAt: string;
  readonly proposedBy: string;
}

export interface KnownErrorInput {
  readonly title: string;
  readonly symptoms: string;
  readonly rootCause: string;
  readonly workaround: string;
  readonly fixStatus?: FixStatus | undefined;
  readonly problemId?: string | undefined;
  readonly services?: readonly string[] | undefined;
  readonly cis?: readonly string[] | undefined;
  readonly category?: string | undefined;
  readonly tags?: readonly string[] | undefined;
}

export interface KnownError {
  readonly id: string;
  readonly title: string;
  readonly symptoms: string;
  readonly rootCause: string;
  readonly workaround: string;
  readonly fixStatus: FixStatus;
  readonly problemId?: string;
  readonly services: readonly string[];
  readonly cis: readonly string[];
  readonly category?: string;
  readonly tags: readonly string[];
  readonly solutions: readonly CandidateSolution[];
  readonly decision?: { readonly decision: ErrorDecision; readonly reason: string; readonly solutionId?: string; readonly at: string; readonly by: string };
  /** The client article its workaround is published as (POST /known-errors/{id}/article), kept in step with it. */
  readonly articleId?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

export function newKnownError(id: string, input: KnownErrorInput, actor: Actor, at: string): KnownError {
  return {
    id,
    title: input.title,
    symptoms: input.symptoms,
    rootCause: input.rootCause,
    workaround: input.workaround,
    fixStatus: input.fixStatus ?? 'none',
    ...(input.problemId && { problemId: input.problemId }),
    services: [...(input.services ?? [])],
    cis: [...(input.cis ?? [])],
    ...(input.category && { category: input.category }),
    tags: [...new Set((input.tags ?? []).map((t) => t.toLowerCase()))],
    solutions: [],
    createdAt: at,
    createdBy: actor.name,
    updatedAt: at,
    updatedBy: actor.name,
    version: 1,
  };
}

export function changeKnownError(current: KnownError, changes: Partial<KnownErrorInput>, actor: Actor, at: string): KnownError {
  return {
    ...current,
    ...changes,
    ...(changes.tags && { tags: [...new Set(changes.tags.map((t) => t.toLowerCase()))] }),
    updatedAt: at,
    updatedBy: actor.name,
    version: current.version + 1,
  } as KnownError;
}

export function addCandidateSolution(
  current: KnownError,
  solution: Omit<CandidateSolution, 'proposedAt' | 'proposedBy'>,
  actor: Actor,
  at: string,
): KnownError {
  if (current.solutions.length >= 20) throw new InvalidInputError([{ field: 'description', message: 'a known error holds at most 20 candidate solutions' }]);
  return {
    ...current,
    solutions: [...current.solutions, { ...solution, proposedAt: at, proposedBy: actor.name }],
    updatedAt: at,
    updatedBy: actor.name,
    version: current.version + 1,
  };
}

/** Error control's decision: raising a change names the candidate solution it implements. */
export function decide(
  current: KnownError,
  request: { readonly decision: ErrorDecision; readonly reason: string; readonly solutionId?: string | undefined },
  actor: Actor,
  at: string,
): KnownError {
  if (request.decision === 'raise-change') {
    if (!request.solutionId) throw new InvalidInputError([{ field: 'solutionId', message: 'names the candidate solution the change implements' }]);
    if (!current.solutions.some((s) => s.id === request.solutionId)) {
      throw new InvalidInputError([{ field: 'solutionId', message: 'is not a candidate solution of this known error' }]);
    }
  }
  return {
    ...current,
    decision: { decision: request.decision, reason: request.reason, ...(request.solutionId && { solutionId: request.solutionId }), at, by: actor.name },
    ...(request.decision === 'raise-change' && current.fixStatus === 'none' && { fixStatus: 'planned' as const }),
    updatedAt: at,
    updatedBy: actor.name,
    version: current.version + 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Knowledge articles: drafts (written, or drafted from a resolution), published (found by search),
// archived (out of search, still readable by id).

export const ARTICLE_STATES = ['draft', 'published', 'archived'] as const;
export type ArticleState = (typeof ARTICLE_STATES)[number];

/**
 * Who may read an article: `internal` the provider's staff only, `client` the client's signed-in
 * users, `public` anyone (the public self-help site). Articles stored before audiences existed
 * have none and read as `client`, the visibility they had.
 */
export const ARTICLE_AUDIENCES = ['internal', 'client', 'public'] as const;
export type ArticleAudience = (typeof ARTICLE_AUDIENCES)[number];
export const audienceOf = (article: Pick<KnowledgeArticle, 'audience'>): ArticleAudience => article.audience ?? 'client';
/** Published for the client's users (or everyone): what the self-help site and requesters may see. */
export const isOnSelfHelp = (article: Pick<KnowledgeArticle, 'audience' | 'state'>): boolean => article.state === 'published' && audienceOf(article) !== 'internal';

/** Where a drafted article came from: the incident whose resolution notes it holds. */
export interface ArticleSource {
  readonly incident: string;
  readonly number: string;
}

export interface KnowledgeArticleInput {
  readonly title: string;
  readonly body: string;
  readonly service?: string | undefined;
  readonly category?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly state?: ArticleState | undefined;
  readonly audience?: ArticleAudience | undefined;
}

export interface KnowledgeArticle {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly service?: string;
  readonly category?: string;
  readonly tags: readonly string[];
  readonly state: ArticleState;
  /** Absent on articles stored before audiences existed: read as `client` (audienceOf). */
  readonly audience?: ArticleAudience;
  readonly source?: ArticleSource;
  /** The known error whose workaround this article publishes; its text follows the known error's. */
  readonly knownErrorId?: string;
  /** When it was (last) published: the retirement clock starts here if nobody reads it. */
  readonly publishedAt?: string;
  /** Reads by id; counted without a new version (see the repository's recordView). */
  readonly views: number;
  readonly lastAccessedAt?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

export function newKnowledgeArticle(id: string, input: KnowledgeArticleInput, actor: Actor, at: string, source?: ArticleSource): KnowledgeArticle {
  const state = input.state ?? 'draft';
  return {
    id,
    title: input.title,
    body: input.body,
    ...(input.service && { service: input.service }),
    ...(input.category && { category: input.category }),
    tags: normalizedTags(input.tags ?? []),
    state,
    audience: input.audience ?? 'client',
    ...(source && { source }),
    ...(state === 'published' && { publishedAt: at }),
    views: 0,
    createdAt: at,
    createdBy: actor.name,
    updatedAt: at,
    updatedBy: actor.name,
    version: 1,
  };
}

/** draft → published | archived; published → archived; archived → published (restored). */
const ARTICLE_TRANSITIONS: Readonly<Record<ArticleState, readonly ArticleState[]>> = {
  draft: ['published', 'archived'],
  published: ['archived'],
  archived: ['published'],
};

export type ArticleChanges = Partial<Omit<KnowledgeArticleInput, 'state'>> & { readonly state?: ArticleState | undefined };

/** The next version of an article: edits and state moves; views and last access are the reads' own. */
export function changeArticle(current: KnowledgeArticle, changes: ArticleChanges, actor: Actor, at: string): KnowledgeArticle {
  const { state, tags, ...fields } = changes;
  const moving = state !== undefined && state !== current.state;
  if (moving && !ARTICLE_TRANSITIONS[current.state].includes(state)) {
    throw new LifecycleError(`A ${current.state} article cannot become ${state}`, 'state');
  }
  return {
    ...current,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    ...(tags && { tags: normalizedTags(tags) }),
    ...(moving && { state }),
    ...(moving && state === 'published' && { publishedAt: at }),
    views: current.views ?? 0,
    updatedAt: at,
    updatedBy: actor.name,
    version: current.version + 1,
  };
}

/** The resolution notes a draft is made of, and what it is filed under. */
export interface ResolvedIncidentFacts {
  readonly id: string;
  readonly number: string;
  readonly shortDescription: string;
  readonly service: string;
  readonly category: string;
  readonly resolutionCode?: string | undefined;
  readonly resolutionNotes?: string | undefined;
}

/**
 * A draft knowledge fragment from a resolved incident: titled by its short description, the body
 * its resolution notes, tagged with its service and category, its source the incident. Undefined
 * when there are no notes to learn from.
 */
export function resolutionDraft(id: string, incident: ResolvedIncidentFacts, actor: Actor, at: string): KnowledgeArticle | undefined {
  const notes = incident.resolutionNotes?.trim();
  if (!notes) return undefined;
  const body = [`Resolution of ${incident.number}${incident.resolutionCode ? ` (${incident.resolutionCode})` : ''}:`, '', notes].join('\n');
  return newKnowledgeArticle(
    id,
    {
      title: incident.shortDescription.slice(0, 160),
      body: body.slice(0, 60_000),
      service: incident.service,
      category: incident.category,
      tags: [incident.service, incident.category].map(asTag).filter((t): t is string => t !== undefined),
      state: 'draft',
    },
    actor,
    at,
    { incident: incident.id, number: incident.number },
  );
}

/** What of a known error its client article shows: never the root cause, the solutions or the decision (internal analysis). */
export const KNOWN_ERROR_PUBLISHED_FIELDS = ['title', 'symptoms', 'workaround', 'tags'] as const;

/** The article text of a known error's workaround: its symptoms (what users see) and the workaround. */
export function knownErrorArticleText(knownError: Pick<KnownError, 'title' | 'symptoms' | 'workaround'>): { readonly title: string; readonly body: string } {
  return { title: knownError.title, body: ['## Symptoms', '', knownError.symptoms, '', '## Workaround', '', knownError.workaround].join('\n') };
}

/** The client article that publishes a known error's workaround: published, audience `client`, linked to it. */
export function knownErrorArticle(id: string, knownError: KnownError, actor: Actor, at: string, audience: 'client' | 'public' = 'client'): KnowledgeArticle {
  return {
    ...newKnowledgeArticle(
      id,
      {
        ...knownErrorArticleText(knownError),
        ...(knownError.services[0] && { service: knownError.services[0] }),
        ...(knownError.category && { category: knownError.category }),
        tags: knownError.tags,
        state: 'published',
        audience,
      },
      actor,
      at,
    ),
    knownErrorId: knownError.id,
  };
}

/** The article's changes that keep it in step with its known error (undefined: already in step). */
export function knownErrorArticleChanges(article: KnowledgeArticle, knownError: KnownError): ArticleChanges | undefined {
  const { title, body } = knownErrorArticleText(knownError);
  const sameTags = article.tags.length === knownError.tags.length && article.tags.every((t, i) => t === knownError.tags[i]);
  if (article.title === title && article.body === body && sameTags) return undefined;
  return { title, body, tags: knownError.tags };
}

const normalizedTags = (tags: readonly string[]) => [...new Set(tags.map((t) => t.toLowerCase()))];
/** A tag is 1–40 letters, digits or hyphens (as the article schema requires). */
const asTag = (value: string) => {
  const tag = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return tag ? tag : undefined;
};

/** Change ids are issued by change management (built separately): `CHG` and at least 7 digits, or a UUID. */
export const CHANGE_ID_PATTERN = /^(?:CHG\d{7,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
