import {
  analysisBodySchema,
  analysisIdSchema,
  analysisPageSchema,
  analysisSchema,
  articleIdSchema,
  articlePageSchema,
  articleSchema,
  candidatesQuerySchema,
  candidatesSchema,
  changeLinkPageSchema,
  changeLinkSchema,
  createArticleBodySchema,
  createKnownErrorBodySchema,
  createProblemBodySchema,
  decisionBodySchema,
  incidentIdSchema,
  incidentLinkPageSchema,
  incidentLinkSchema,
  knownErrorIdSchema,
  knownErrorPageSchema,
  knownErrorSchema,
  linkChangeBodySchema,
  linkIncidentBodySchema,
  listKnownErrorsQuerySchema,
  listProblemsQuerySchema,
  pageQuerySchema,
  problemIdSchema,
  problemLogBodySchema,
  problemLogEntrySchema,
  problemLogPageSchema,
  problemPageSchema,
  problemSchema,
  publishKnownErrorArticleBodySchema,
  searchArticlesQuerySchema,
  siteBundleLinkSchema,
  solutionBodySchema,
  type UpdateArticleBody,
  updateArticleBodySchema,
  updateKnownErrorBodySchema,
  type UpdateProblemBody,
  updateProblemBodySchema,
} from '../schemas/problem-schemas';
import {
  addAnalysis,
  appendProblemLog,
  changesOfProblem,
  countSiteView,
  createArticle,
  createKnownError,
  createProblem,
  decideKnownError,
  getArticle,
  getKnownError,
  getProblem,
  publishKnownErrorArticle,
  incidentsOfProblem,
  linkChange,
  linkIncident,
  listAnalyses,
  listKnownErrors,
  listProblems,
  problemCandidates,
  problemLog,
  problemsOfIncident,
  proposeSolution,
  reviseAnalysis,
  searchArticles,
  siteBundleLink,
  unlinkIncident,
  updateArticle,
  updateKnownError,
  updateProblem,
  type ProblemDeps,
} from '../app/problem-use-cases';
import { basePath } from '../../../kernel/http/http-router';
import { header, ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { representation } from '../../../kernel/http/representation';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The problems function's routes: problems and their analyses, links and log, known errors and
 * knowledge articles.
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

type Params = Record<string, string | undefined> | null;
const problemId = (params: Params) => validate(problemIdSchema, params?.['id'], 'id');
const knownErrorId = (params: Params) => validate(knownErrorIdSchema, params?.['id'], 'id');
/** What the problems function's routes need, built once by functions/problems-handler.ts. */
export interface ProblemHttpDeps extends ProblemDeps {
  /** The client's defaults for problem candidates (window, threshold). */
  readonly candidateSettings: Parameters<typeof problemCandidates>[3];
}

export const PROBLEM_ROUTES = defineRoutes<ProblemHttpDeps>('problems', [
  // Problem management, the known-error database and knowledge (function group `problems`).
  {
    method: 'POST', path: '/problems', auth: 'token', operationId: 'createProblem',
    summary: 'Record a problem (engineers, service owners)', body: createProblemBodySchema,
    response: { status: 201, schema: problemSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const problem = await createProblem(deps, caller, parseJsonBody(event, createProblemBodySchema));
      return representation(problem, 201, { Location: `${basePath(event)}/problems/${problem.id}` });
    },
  },
  {
    method: 'GET', path: '/problems', auth: 'token', operationId: 'listProblems',
    summary: 'List problems, by state or all, oldest first', query: listProblemsQuerySchema,
    response: { status: 200, schema: problemPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await listProblems(deps, caller, parseQuery(event, listProblemsQuerySchema)) }),
  },
  {
    method: 'GET', path: '/problems/{id}', auth: 'token', operationId: 'getProblem',
    summary: 'Read a problem, with its known-error search', response: { status: 200, schema: problemSchema, description: 'The problem; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getProblem(deps, caller, problemId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/problems/{id}', auth: 'token', operationId: 'updateProblem',
    summary: 'Change fields or state (If-Match required); entering Root Cause Analysis searches the known-error database first and records it',
    body: updateProblemBodySchema, response: { status: 200, schema: problemSchema, description: 'The changed problem; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      const changes = parseJsonBody(event, updateProblemBodySchema) as UpdateProblemBody;
      return representation(await updateProblem(deps, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/problems/{id}/log', auth: 'token', operationId: 'appendProblemLog',
    summary: "Append a fact, evidence, hypothesis, decision or note to the problem's log", body: problemLogBodySchema,
    response: { status: 201, schema: problemLogEntrySchema, description: 'The log entry' }, problems: [404, 409],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      return { status: 201, body: await appendProblemLog(deps, caller, id, parseJsonBody(event, problemLogBodySchema)) };
    },
  },
  {
    method: 'GET', path: '/problems/{id}/log', auth: 'token', operationId: 'getProblemLog',
    summary: "The problem's append-only log, oldest first", query: pageQuerySchema,
    response: { status: 200, schema: problemLogPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await problemLog(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'POST', path: '/problems/{id}/analyses', auth: 'token', operationId: 'addRootCauseAnalysis',
    summary: 'Start a structured analysis (5 Whys, Ishikawa or Kepner-Tregoe) once the problem is in Root Cause Analysis', body: analysisBodySchema,
    response: { status: 201, schema: analysisSchema, description: 'Version 1; ETag header set' }, problems: [404, 409],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      return representation(await addAnalysis(deps, caller, id, parseJsonBody(event, analysisBodySchema)), 201);
    },
  },
  {
    method: 'GET', path: '/problems/{id}/analyses', auth: 'token', operationId: 'listRootCauseAnalyses',
    summary: 'Every version of every analysis of the problem', query: pageQuerySchema,
    response: { status: 200, schema: analysisPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listAnalyses(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'PUT', path: '/problems/{id}/analyses/{analysisId}', auth: 'token', operationId: 'reviseRootCauseAnalysis',
    summary: 'Store the next version of an analysis (If-Match: the version revised); earlier versions are kept', body: analysisBodySchema,
    response: { status: 200, schema: analysisSchema, description: 'The new version; ETag header set' }, problems: [404, 409, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      const analysisId = validate(analysisIdSchema, event.pathParameters?.['analysisId'], 'analysisId');
      const content = parseJsonBody(event, analysisBodySchema);
      return representation(await reviseAnalysis(deps, caller, id, analysisId, content, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/problems/{id}/incidents', auth: 'token', operationId: 'linkIncidentToProblem',
    summary: 'Link an incident (id or number) to the problem; linking a linked pair again changes nothing', body: linkIncidentBodySchema,
    response: { status: 201, schema: incidentLinkSchema, description: 'Linked (201), or linked already (200)' }, problems: [404, 409],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      const { link, created } = await linkIncident(deps, caller, id, parseJsonBody(event, linkIncidentBodySchema).incidentId);
      return { status: created ? 201 : 200, body: link };
    },
  },
  {
    method: 'GET', path: '/problems/{id}/incidents', auth: 'token', operationId: 'listProblemIncidents',
    summary: 'The incidents linked to the problem', query: pageQuerySchema,
    response: { status: 200, schema: incidentLinkPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await incidentsOfProblem(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'DELETE', path: '/problems/{id}/incidents/{incidentId}', auth: 'token', operationId: 'unlinkIncidentFromProblem',
    summary: 'Remove the link between the problem and an incident', response: { status: 204, description: 'Unlinked' }, problems: [404],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      const incidentId = validate(incidentIdSchema, event.pathParameters?.['incidentId'], 'incidentId');
      await unlinkIncident(deps, caller, id, incidentId);
      return { status: 204 };
    },
  },
  {
    method: 'GET', path: '/incidents/{id}/problems', auth: 'token', operationId: 'listIncidentProblems',
    summary: 'The problems an incident is linked to', query: pageQuerySchema,
    response: { status: 200, schema: incidentLinkPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await problemsOfIncident(deps, caller, validate(incidentIdSchema, event.pathParameters?.['id'], 'id'), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'POST', path: '/problems/{id}/changes', auth: 'token', operationId: 'linkChangeToProblem',
    summary: 'Name a change that fixes the problem (CHG number or change id)', body: linkChangeBodySchema,
    response: { status: 201, schema: changeLinkSchema, description: 'Linked (201), or linked already (200)' }, problems: [404, 409],
    handle: async ({ event, caller }, deps) => {
      const id = problemId(event.pathParameters);
      const { link, created } = await linkChange(deps, caller, id, parseJsonBody(event, linkChangeBodySchema));
      return { status: created ? 201 : 200, body: link };
    },
  },
  {
    method: 'GET', path: '/problems/{id}/changes', auth: 'token', operationId: 'listProblemChanges',
    summary: 'The changes named as fixing the problem', query: pageQuerySchema,
    response: { status: 200, schema: changeLinkPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await changesOfProblem(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'POST', path: '/known-errors', auth: 'token', operationId: 'createKnownError',
    summary: 'Record a known error: symptoms, root cause, workaround', body: createKnownErrorBodySchema,
    response: { status: 201, schema: knownErrorSchema, description: 'Created; Location and ETag headers set' }, problems: [404, 415],
    handle: async ({ event, caller }, deps) => {
      const knownError = await createKnownError(deps, caller, parseJsonBody(event, createKnownErrorBodySchema));
      return representation(knownError, 201, { Location: `${basePath(event)}/known-errors/${knownError.id}` });
    },
  },
  {
    method: 'GET', path: '/known-errors', auth: 'token', operationId: 'listKnownErrors',
    summary: 'Known errors: all, found by words and service (ranked), or review=true: by ongoing impact', query: listKnownErrorsQuerySchema,
    response: { status: 200, schema: knownErrorPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listKnownErrors(deps, caller, parseQuery(event, listKnownErrorsQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/known-errors/{id}', auth: 'token', operationId: 'getKnownError',
    summary: 'Read a known error', response: { status: 200, schema: knownErrorSchema, description: 'The known error; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getKnownError(deps, caller, knownErrorId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/known-errors/{id}', auth: 'token', operationId: 'updateKnownError',
    summary: 'Change a known error (If-Match required)', body: updateKnownErrorBodySchema,
    response: { status: 200, schema: knownErrorSchema, description: 'The changed known error; new ETag' }, problems: [404, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = knownErrorId(event.pathParameters);
      const changes = parseJsonBody(event, updateKnownErrorBodySchema);
      return representation(await updateKnownError(deps, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/known-errors/{id}/solutions', auth: 'token', operationId: 'proposeKnownErrorSolution',
    summary: 'Add a candidate solution with estimated cost and expected benefit', body: solutionBodySchema,
    response: { status: 201, schema: knownErrorSchema, description: 'The known error with the solution' }, problems: [404, 412],
    handle: async ({ event, caller }, deps) => {
      const id = knownErrorId(event.pathParameters);
      return representation(await proposeSolution(deps, caller, id, parseJsonBody(event, solutionBodySchema)), 201);
    },
  },
  {
    method: 'POST', path: '/known-errors/{id}/decision', auth: 'token', operationId: 'decideKnownError',
    summary: "Error control's decision: raise a change, accept or defer, with a reason (service owners; If-Match required)", body: decisionBodySchema,
    response: { status: 200, schema: knownErrorSchema, description: 'The known error with the decision' }, problems: [404, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = knownErrorId(event.pathParameters);
      const decision = parseJsonBody(event, decisionBodySchema);
      return representation(await decideKnownError(deps, caller, id, decision, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/known-errors/{id}/article', auth: 'token', operationId: 'publishKnownErrorArticle',
    summary: "Publish the known error's symptoms and workaround as a client (or public) article, linked both ways and kept in step with the known error; again: brings it up to date and republishes it",
    body: publishKnownErrorArticleBodySchema,
    response: { status: 201, schema: articleSchema, description: 'The published article (201 when created, 200 when it existed); Location set' }, problems: [404, 415],
    handle: async ({ event, caller }, deps) => {
      const id = knownErrorId(event.pathParameters);
      const { audience } = parseJsonBody(event, publishKnownErrorArticleBodySchema);
      const { article, created } = await publishKnownErrorArticle(deps, caller, id, audience);
      return representation(article, created ? 201 : 200, { Location: `${basePath(event)}/knowledge/${article.id}` });
    },
  },
  {
    method: 'POST', path: '/knowledge', auth: 'token', operationId: 'createKnowledgeArticle',
    summary: 'Write a knowledge article (draft or published)', body: createArticleBodySchema,
    response: { status: 201, schema: articleSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const article = await createArticle(deps, caller, parseJsonBody(event, createArticleBodySchema));
      return representation(article, 201, { Location: `${basePath(event)}/knowledge/${article.id}` });
    },
  },
  {
    method: 'GET', path: '/knowledge', auth: 'token', operationId: 'searchKnowledgeArticles',
    summary: 'Published articles by words, service, category or tag, ranked', query: searchArticlesQuerySchema,
    response: { status: 200, schema: articlePageSchema, description: 'Best matches first' },
    handle: async ({ event, caller }, deps) => ({ status: 200, body: await searchArticles(deps, caller, parseQuery(event, searchArticlesQuerySchema)) }),
  },
  {
    method: 'GET', path: '/knowledge/site-bundle', auth: 'token', operationId: 'getSiteBundleLink',
    summary: 'A short-lived link (5 minutes) to the self-help site as one zip, to host anywhere (knowledge managers)',
    response: { status: 200, schema: siteBundleLinkSchema, description: 'The link and when it expires' }, problems: [404],
    handle: async ({ event, caller }, deps) => {
      const link = await siteBundleLink(deps, caller);
      // A pre-signed URL is absolute; the local runtime's link is a path on the address it was asked at (plain HTTP: no X-Forwarded-Proto there).
      const origin = `${header(event, 'X-Forwarded-Proto') ?? 'http'}://${header(event, 'Host') ?? 'localhost'}`;
      return { status: 200, body: { ...link, url: new URL(link.url, origin).href }, headers: { 'Cache-Control': 'no-store' } };
    },
  },
  {
    method: 'GET', path: '/knowledge/{id}', auth: 'token', operationId: 'getKnowledgeArticle',
    summary: 'Read a knowledge article; requesters read published ones only', response: { status: 200, schema: articleSchema, description: 'The article' }, problems: [404],
    handle: async ({ event, caller }, deps) =>
      representation(await getArticle(deps, caller, validate(articleIdSchema, event.pathParameters?.['id'], 'id')), 200),
  },
  {
    method: 'POST', path: '/knowledge/{id}/views', auth: 'none', operationId: 'countSiteView',
    summary: "The self-help site's article page was opened (its beacon, through the site's own address): counts a read of a published public article",
    response: { status: 204, description: 'Counted' }, problems: [404],
    handle: async ({ event }, deps) => {
      await countSiteView(deps, validate(articleIdSchema, event.pathParameters?.['id'], 'id'));
      return { status: 204 };
    },
  },
  {
    method: 'PATCH', path: '/knowledge/{id}', auth: 'token', operationId: 'updateKnowledgeArticle',
    summary: 'Edit, publish, archive or restore a knowledge article (If-Match required); archived articles leave search', body: updateArticleBodySchema,
    response: { status: 200, schema: articleSchema, description: 'The changed article; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = validate(articleIdSchema, event.pathParameters?.['id'], 'id');
      const changes = parseJsonBody(event, updateArticleBodySchema) as UpdateArticleBody;
      return representation(await updateArticle(deps, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'GET', path: '/problems/candidates', auth: 'token', operationId: 'listProblemCandidates',
    summary: 'Problems proposed from trends (service, category, alarm at or above a threshold within a window, not yet linked) and likely duplicate incidents',
    query: candidatesQuerySchema,
    response: { status: 200, schema: candidatesSchema, description: 'Candidates, most incidents first; duplicate pairs, most similar first' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await problemCandidates(deps, caller, parseQuery(event, candidatesQuerySchema), deps.candidateSettings),
    }),
  },
]);
