import * as z from 'zod';
import { line, text } from '../../../kernel/schemas/text';
import { PRIORITIES } from '../../../kernel/domain/priority';
import { PROBLEM_STATES } from '../domain/problem-lifecycle';
import {
  ARTICLE_AUDIENCES,
  ARTICLE_STATES,
  CHANGE_ID_PATTERN,
  ERROR_DECISIONS,
  FIX_STATUSES,
  ISHIKAWA_CATEGORIES,
  PROBLEM_LOG_KINDS,
  PROBLEM_NUMBER_PATTERN,
} from '../domain/problem';
import { serviceIdSchema } from '../../catalogue/schemas';
import { isoDurationSchema } from '../../../config/client-settings-schema';
import { incidentIdSchema } from '../../incidents/schemas';

/**
 * Request and response schemas of problem management, the known-error database and knowledge:
 * the single source for validation, TypeScript types and the OpenAPI description. Root-cause
 * analyses are validated data, one schema per method.
 */
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');
const uuid = (what: string) => z.uuid({ error: `must be ${what} id (UUID)` });
const limit = z.coerce.number().int().min(1).max(100).default(25);
const nextToken = z.string().max(2048).optional();
const tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/i, 'must be 1–40 letters, digits or hyphens');

/** A problem's id (UUID) or number (PRB0000001): routes that name a problem accept either. */
export const problemIdSchema = z.union([z.uuid(), z.string().regex(PROBLEM_NUMBER_PATTERN)], { error: 'must be a problem id (UUID) or number (PRB0000001)' });
export const knownErrorIdSchema = uuid('a known error');
export const articleIdSchema = uuid('a knowledge article');
export const analysisIdSchema = uuid('an analysis');
export { incidentIdSchema };
export const changeIdSchema = z.string().regex(CHANGE_ID_PATTERN, 'must be a change number (CHG0000001) or change id (UUID)');

const problemFields = {
  title: line(160),
  description: text(8000).describe('The problem definition: what fails, for whom, since when'),
  stakeholders: z.array(line(120)).max(20).optional(),
  impact: text(2000).describe('The business impact, in words'),
  evidence: z.array(text(2000)).max(50).optional(),
  priority: z.enum(PRIORITIES),
  services: z.array(serviceIdSchema).max(20).optional().describe('Affected services'),
  cis: z.array(z.uuid({ error: 'must be a CI id (UUID)' })).max(50).optional().describe('Affected configuration items'),
  assignee: reference.optional(),
};

export const createProblemBodySchema = z.strictObject(problemFields);
export type CreateProblemBody = z.infer<typeof createProblemBodySchema>;

export const updateProblemBodySchema = z
  .strictObject({
    ...Object.fromEntries(Object.entries(problemFields).map(([k, v]) => [k, (v as z.ZodType).optional()])),
    state: z.enum(PROBLEM_STATES).optional(),
    kedbQuery: line(500).optional().describe('Moving into Root Cause Analysis: what to search the known-error database for (default: title and description)'),
    knownErrorId: knownErrorIdSchema.optional(),
    resolution: text(4000).optional(),
    cancelReason: text(2000).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one field' });
export type UpdateProblemBody = Omit<Partial<CreateProblemBody>, never> & {
  state?: (typeof PROBLEM_STATES)[number];
  kedbQuery?: string;
  knownErrorId?: string;
  resolution?: string;
  cancelReason?: string;
};

export const listProblemsQuerySchema = z.strictObject({ state: z.enum(PROBLEM_STATES).optional(), limit, nextToken });
export const pageQuerySchema = z.strictObject({ limit, nextToken });

export const problemLogBodySchema = z.strictObject({ kind: z.enum(PROBLEM_LOG_KINDS), text: text(8000) });

const kedbResult = z.object({ id: z.string(), kind: z.enum(['known-error', 'article']), title: z.string(), score: z.number() });
export const problemSchema = z
  .object({
    id: z.string(),
    number: z.string().describe('PRB0000001'),
    title: z.string(),
    description: z.string(),
    stakeholders: z.array(z.string()),
    impact: z.string(),
    evidence: z.array(z.string()),
    priority: z.enum(PRIORITIES),
    services: z.array(z.string()),
    cis: z.array(z.string()),
    assignee: z.string().optional(),
    state: z.enum(PROBLEM_STATES),
    kedbSearch: z.object({ query: z.string(), at: z.string(), by: z.string(), results: z.array(kedbResult) }).optional(),
    knownErrorId: z.string().optional(),
    resolution: z.string().optional(),
    cancelReason: z.string().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Problem' });
export const problemPageSchema = z.object({ items: z.array(problemSchema), nextToken: z.string().optional() });
export const problemLogEntrySchema = z.object({ id: z.string(), problemId: z.string(), kind: z.string(), text: z.string(), at: z.string(), by: z.string() });
export const problemLogPageSchema = z.object({ items: z.array(problemLogEntrySchema), nextToken: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Root-cause analyses

const step = z.strictObject({ why: text(1000), because: text(1000) });
export const fiveWhysSchema = z.strictObject({
  method: z.literal('five-whys'),
  steps: z.array(step).min(2, 'a 5 Whys chain has at least two why/because steps').max(10),
  rootCause: text(2000).describe('The stated root cause the chain ends in'),
});
export const ishikawaSchema = z.strictObject({
  method: z.literal('ishikawa'),
  effect: text(1000).describe('The effect (the problem) at the head of the fishbone'),
  causes: z.array(z.strictObject({ category: z.enum(ISHIKAWA_CATEGORIES), cause: text(1000), evidence: text(2000) })).min(1).max(60),
});
const isIsNot = z.strictObject({ is: text(2000), isNot: text(2000) });
export const kepnerTregoeSchema = z.strictObject({
  method: z.literal('kepner-tregoe'),
  specification: z.strictObject({ what: isIsNot, where: isIsNot, when: isIsNot, extent: isIsNot }),
  distinctions: z.array(text(1000)).min(1).max(20),
  changes: z.array(text(1000)).max(20),
  possibleCauses: z.array(text(1000)).min(1).max(20),
  mostProbableCause: z.strictObject({ cause: text(1000), howTested: text(2000) }),
});
export const analysisBodySchema = z.discriminatedUnion('method', [fiveWhysSchema, ishikawaSchema, kepnerTregoeSchema]);
export const analysisSchema = z
  .object({ id: z.string(), problemId: z.string(), version: z.number().int(), content: z.record(z.string(), z.unknown()), createdAt: z.string(), createdBy: z.string() })
  .meta({ id: 'RootCauseAnalysis' });
export const analysisPageSchema = z.object({ items: z.array(analysisSchema), nextToken: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Links

export const linkIncidentBodySchema = z.strictObject({ incidentId: incidentIdSchema });
export const linkChangeBodySchema = z.strictObject({ changeId: changeIdSchema, note: line(500).optional() });
export const incidentLinkSchema = z.object({
  problemId: z.string(),
  incidentId: z.string(),
  incidentNumber: z.string(),
  linkedAt: z.string(),
  linkedBy: z.string(),
});
export const incidentLinkPageSchema = z.object({ items: z.array(incidentLinkSchema), nextToken: z.string().optional() });
export const changeLinkSchema = z.object({ problemId: z.string(), changeId: z.string(), note: z.string().optional(), linkedAt: z.string(), linkedBy: z.string() });
export const changeLinkPageSchema = z.object({ items: z.array(changeLinkSchema), nextToken: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Known errors and error control

const knownErrorFields = {
  title: line(160),
  symptoms: text(4000),
  rootCause: text(4000),
  workaround: text(8000),
  fixStatus: z.enum(FIX_STATUSES).optional(),
  problemId: uuid('a problem').optional(),
  services: z.array(serviceIdSchema).max(20).optional(),
  cis: z.array(z.uuid({ error: 'must be a CI id (UUID)' })).max(50).optional(),
  category: line(80).optional(),
  tags: z.array(tag).max(20).optional(),
};
export const createKnownErrorBodySchema = z.strictObject(knownErrorFields);
export const updateKnownErrorBodySchema = z
  .strictObject(Object.fromEntries(Object.entries(knownErrorFields).map(([k, v]) => [k, (v as z.ZodType).optional()])))
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one field' });
export const solutionBodySchema = z.strictObject({
  description: text(4000),
  estimatedCost: line(200).describe('e.g. "3 engineer-days" or "£4,000"'),
  expectedBenefit: text(2000),
});
export const decisionBodySchema = z.strictObject({
  decision: z.enum(ERROR_DECISIONS),
  reason: text(2000),
  solutionId: uuid('a candidate solution').optional(),
});
const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');
export const listKnownErrorsQuerySchema = z.strictObject({
  review: booleanFlag.optional().describe('true: ordered by ongoing impact (linked incidents in the last 30 days, users affected)'),
  q: line(500).optional().describe('Words to search for'),
  service: serviceIdSchema.optional(),
  limit,
  nextToken,
});
export const knownErrorSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    symptoms: z.string(),
    rootCause: z.string(),
    workaround: z.string(),
    fixStatus: z.enum(FIX_STATUSES),
    problemId: z.string().optional(),
    services: z.array(z.string()),
    cis: z.array(z.string()),
    category: z.string().optional(),
    tags: z.array(z.string()),
    solutions: z.array(z.object({ id: z.string(), description: z.string(), estimatedCost: z.string(), expectedBenefit: z.string(), proposedAt: z.string(), proposedBy: z.string() })),
    decision: z.object({ decision: z.enum(ERROR_DECISIONS), reason: z.string(), solutionId: z.string().optional(), at: z.string(), by: z.string() }).optional(),
    articleId: z.string().optional().describe('The client article its workaround is published as (POST /known-errors/{id}/article)'),
    impact: z.object({ incidentsLast30Days: z.number(), usersAffected: z.number() }).optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    score: z.number().optional(),
    version: z.number().int(),
  })
  .meta({ id: 'KnownError' });
export const knownErrorPageSchema = z.object({ items: z.array(knownErrorSchema), nextToken: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Knowledge articles

const articleFields = {
  title: line(160),
  body: text(60_000).describe('Markdown'),
  service: serviceIdSchema.optional(),
  category: line(80).optional(),
  tags: z.array(tag).max(20).optional(),
  audience: z
    .enum(ARTICLE_AUDIENCES)
    .optional()
    .describe('internal: staff only; client: the client\'s signed-in users (default); public: anyone, on the public self-help site'),
};
export const createArticleBodySchema = z.strictObject({
  ...articleFields,
  state: z.enum(ARTICLE_STATES).exclude(['archived']).optional().describe('default draft'),
});
export const updateArticleBodySchema = z
  .strictObject({
    ...Object.fromEntries(Object.entries(articleFields).map(([k, v]) => [k, (v as z.ZodType).optional()])),
    state: z.enum(ARTICLE_STATES).optional().describe('published: found by search; archived: out of search, still readable by id; archived → published restores'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one field' });
export type UpdateArticleBody = Partial<z.infer<typeof createArticleBodySchema>> & { state?: (typeof ARTICLE_STATES)[number] };
export const publishKnownErrorArticleBodySchema = z.strictObject({
  audience: z
    .enum(ARTICLE_AUDIENCES)
    .exclude(['internal'])
    .default('client')
    .describe("client: the client's signed-in users (default); public: anyone, on the public self-help site"),
});
export const searchArticlesQuerySchema = z
  .strictObject({ q: line(500).optional(), service: serviceIdSchema.optional(), category: line(80).optional(), tag: tag.optional(), limit, nextToken })
  .refine((query) => query.q !== undefined || query.service !== undefined || query.category !== undefined || query.tag !== undefined, {
    message: 'search by at least one of q, service, category or tag',
    path: ['q'],
  });
export const siteBundleLinkSchema = z
  .object({
    url: z.string().describe('Where to download the zip: a pre-signed URL of the site bucket, valid until expiresAt'),
    expiresAt: z.string().describe('When the URL stops working (ISO 8601)'),
  })
  .meta({ id: 'SiteBundleLink' });
export const articleSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string(),
    service: z.string().optional(),
    category: z.string().optional(),
    tags: z.array(z.string()),
    state: z.enum(ARTICLE_STATES),
    audience: z.enum(ARTICLE_AUDIENCES).optional().describe('Absent on articles written before audiences: read as client'),
    knownErrorId: z.string().optional().describe('The known error whose workaround it publishes (kept in step with it)'),
    source: z.object({ incident: z.string(), number: z.string() }).optional().describe('Drafted from this incident\'s resolution'),
    publishedAt: z.string().optional(),
    views: z.number().int().describe('Reads by id'),
    lastAccessedAt: z.string().optional(),
    score: z.number().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'KnowledgeArticle' });
export const articlePageSchema = z.object({ items: z.array(articleSchema), nextToken: z.string().optional() });

// The suggestions an incident gets live in their own file: the incidents function answers them
// without loading the rest of the problem schemas.
export { suggestionsSchema } from './suggestion-schemas';

// ---------------------------------------------------------------------------------------------
// Problem candidates (finding problems early)

export const candidatesQuerySchema = z.strictObject({
  window: isoDurationSchema
    .optional()
    .describe("How far back to look (default: the client's problems.candidateWindow, P30D); at most 5,000 incidents"),
  threshold: z.coerce.number().int().min(2).max(1000).optional().describe("Incidents that make a trend (default: the client's problems.candidateThreshold, 3)"),
});
const incidentRef = z.object({ id: z.string(), number: z.string() });
export const candidatesSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string(), duration: z.string() }),
    threshold: z.number().int(),
    incidentsRead: z.number().int(),
    candidates: z.array(z.object({ dimension: z.enum(['service', 'category', 'alarm']), value: z.string(), count: z.number().int(), incidents: z.array(incidentRef) })),
    duplicates: z.array(z.object({ incidents: z.tuple([incidentRef, incidentRef]), similarity: z.number() })),
  })
  .meta({ id: 'ProblemCandidates' });
