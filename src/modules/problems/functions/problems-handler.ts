import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  addAnalysis,
  appendProblemLog,
  changesOfProblem,
  createArticle,
  createKnownError,
  createProblem,
  decideKnownError,
  getArticle,
  getKnownError,
  getProblem,
  incidentsOfProblem,
  linkChange,
  linkIncident,
  listAnalyses,
  problemCandidates,
  listKnownErrors,
  listProblems,
  problemLog,
  problemsOfIncident,
  proposeSolution,
  reviseAnalysis,
  searchArticles,
  unlinkIncident,
  updateArticle,
  updateKnownError,
  updateProblem,
  type ProblemDeps,
} from '../app/problem-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../../incidents/adapters/dynamodb-incident-repository';
import { DynamoDbProblemRepository } from '../adapters/dynamodb-problem-repository';
import {
  analysisBodySchema,
  analysisIdSchema,
  articleIdSchema,
  candidatesQuerySchema,
  createArticleBodySchema,
  createKnownErrorBodySchema,
  createProblemBodySchema,
  decisionBodySchema,
  incidentIdSchema,
  knownErrorIdSchema,
  linkChangeBodySchema,
  linkIncidentBodySchema,
  listKnownErrorsQuerySchema,
  listProblemsQuerySchema,
  pageQuerySchema,
  problemIdSchema,
  problemLogBodySchema,
  searchArticlesQuerySchema,
  solutionBodySchema,
  updateArticleBodySchema,
  updateKnownErrorBodySchema,
  updateProblemBodySchema,
  type UpdateArticleBody,
  type UpdateProblemBody,
} from '../schemas/problem-schemas';
import { authenticated, basePath, createHttpHandler, type RouteTable } from '../../../kernel/http/http-router';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { representation } from '../../../kernel/http/representation';
import { createAuditLog } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { PROBLEMS_ENVIRONMENT } from './environment';

const env = readEnvironment(PROBLEMS_ENVIRONMENT);

const observability = createObservability('problems');
const settings = loadClientSettings();
const dynamoDb = observability.tracer.captureAWSv3Client(new DynamoDBClient({}));
const documents = createDocumentClient(dynamoDb);
const clock = createClock();
const ids = { newId: () => randomUUID() };
const audit = createAuditLog({ documents, clock, ids }, observability);
const deps: ProblemDeps = {
  problems: new DynamoDbProblemRepository(documents, env.problemsTable),
  // Read only: GetItem by id and the byNumber index, to link incidents by id or number.
  incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable),
  clock,
  ids,
  audit,
};

type Params = Record<string, string | undefined> | null;
const problemId = (params: Params) => validate(problemIdSchema, params?.['id'], 'id');
const knownErrorId = (params: Params) => validate(knownErrorIdSchema, params?.['id'], 'id');

export const routes: RouteTable = {
  'POST /problems': authenticated(async ({ event, caller }) => {
    const problem = await createProblem(deps, caller, parseJsonBody(event, createProblemBodySchema));
    return representation(problem, 201, { Location: `${basePath(event)}/problems/${problem.id}` });
  }),
  'GET /problems': authenticated(async ({ event, caller }) => ({ status: 200, body: await listProblems(deps, caller, parseQuery(event, listProblemsQuerySchema)) })),
  'GET /problems/{id}': authenticated(async ({ event, caller }) => representation(await getProblem(deps, caller, problemId(event.pathParameters)), 200)),
  'PATCH /problems/{id}': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    const changes = parseJsonBody(event, updateProblemBodySchema) as UpdateProblemBody;
    return representation(await updateProblem(deps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
  'POST /problems/{id}/log': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    return { status: 201, body: await appendProblemLog(deps, caller, id, parseJsonBody(event, problemLogBodySchema)) };
  }),
  'GET /problems/{id}/log': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await problemLog(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
  })),
  'POST /problems/{id}/analyses': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    return representation(await addAnalysis(deps, caller, id, parseJsonBody(event, analysisBodySchema)), 201);
  }),
  'GET /problems/{id}/analyses': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listAnalyses(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
  })),
  'PUT /problems/{id}/analyses/{analysisId}': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    const analysisId = validate(analysisIdSchema, event.pathParameters?.['analysisId'], 'analysisId');
    const content = parseJsonBody(event, analysisBodySchema);
    return representation(await reviseAnalysis(deps, caller, id, analysisId, content, ifMatchVersion(event)), 200);
  }),
  'POST /problems/{id}/incidents': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    const { link, created } = await linkIncident(deps, caller, id, parseJsonBody(event, linkIncidentBodySchema).incidentId);
    return { status: created ? 201 : 200, body: link };
  }),
  'GET /problems/{id}/incidents': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await incidentsOfProblem(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
  })),
  'DELETE /problems/{id}/incidents/{incidentId}': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    const incidentId = validate(incidentIdSchema, event.pathParameters?.['incidentId'], 'incidentId');
    await unlinkIncident(deps, caller, id, incidentId);
    return { status: 204 };
  }),
  'GET /incidents/{id}/problems': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await problemsOfIncident(deps, caller, validate(incidentIdSchema, event.pathParameters?.['id'], 'id'), parseQuery(event, pageQuerySchema)),
  })),
  'POST /problems/{id}/changes': authenticated(async ({ event, caller }) => {
    const id = problemId(event.pathParameters);
    const { link, created } = await linkChange(deps, caller, id, parseJsonBody(event, linkChangeBodySchema));
    return { status: created ? 201 : 200, body: link };
  }),
  'GET /problems/{id}/changes': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await changesOfProblem(deps, caller, problemId(event.pathParameters), parseQuery(event, pageQuerySchema)),
  })),
  'POST /known-errors': authenticated(async ({ event, caller }) => {
    const knownError = await createKnownError(deps, caller, parseJsonBody(event, createKnownErrorBodySchema));
    return representation(knownError, 201, { Location: `${basePath(event)}/known-errors/${knownError.id}` });
  }),
  'GET /known-errors': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listKnownErrors(deps, caller, parseQuery(event, listKnownErrorsQuerySchema)),
  })),
  'GET /known-errors/{id}': authenticated(async ({ event, caller }) => representation(await getKnownError(deps, caller, knownErrorId(event.pathParameters)), 200)),
  'PATCH /known-errors/{id}': authenticated(async ({ event, caller }) => {
    const id = knownErrorId(event.pathParameters);
    const changes = parseJsonBody(event, updateKnownErrorBodySchema);
    return representation(await updateKnownError(deps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
  'POST /known-errors/{id}/solutions': authenticated(async ({ event, caller }) => {
    const id = knownErrorId(event.pathParameters);
    return representation(await proposeSolution(deps, caller, id, parseJsonBody(event, solutionBodySchema)), 201);
  }),
  'POST /known-errors/{id}/decision': authenticated(async ({ event, caller }) => {
    const id = knownErrorId(event.pathParameters);
    const decision = parseJsonBody(event, decisionBodySchema);
    return representation(await decideKnownError(deps, caller, id, decision, ifMatchVersion(event)), 200);
  }),
  'POST /knowledge': authenticated(async ({ event, caller }) => {
    const article = await createArticle(deps, caller, parseJsonBody(event, createArticleBodySchema));
    return representation(article, 201, { Location: `${basePath(event)}/knowledge/${article.id}` });
  }),
  'GET /knowledge': authenticated(async ({ event, caller }) => ({ status: 200, body: await searchArticles(deps, caller, parseQuery(event, searchArticlesQuerySchema)) })),
  'GET /knowledge/{id}': authenticated(async ({ event, caller }) =>
    representation(await getArticle(deps, caller, validate(articleIdSchema, event.pathParameters?.['id'], 'id')), 200),
  ),
  'GET /problems/candidates': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await problemCandidates(deps, caller, parseQuery(event, candidatesQuerySchema), settings.problems),
  })),
  'PATCH /knowledge/{id}': authenticated(async ({ event, caller }) => {
    const id = validate(articleIdSchema, event.pathParameters?.['id'], 'id');
    const changes = parseJsonBody(event, updateArticleBodySchema) as UpdateArticleBody;
    return representation(await updateArticle(deps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
};

// Idempotency-Key on POST works as on incidents: a retried creation does not make a second record.
export const handler = createHttpHandler(routes, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
