import { randomUUID } from 'node:crypto';
import { slaPolicyOf } from '../../incidents/app';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ProblemDeps } from '../app/problem-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbIncidentRepository } from '../../incidents/adapters';
import { DynamoDbProblemRepository } from '../adapters/dynamodb-problem-repository';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { PROBLEM_ROUTES, type ProblemHttpDeps } from '../http/routes';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { createAuditLog } from '../../../platform/request-context';
import { createClock, createObservability, loadClientSettings, readEnvironment } from '../../../platform/runtime-environment';
import { PROBLEMS_ENVIRONMENT } from './environment';
import { knowledgeBaseOf } from './knowledge-base-settings';
import { createSiteBundleLinks } from '../../selfhelp/functions';

const env = readEnvironment(PROBLEMS_ENVIRONMENT);
const observability = createObservability('problems');
const settings = loadClientSettings();
const dynamoDb = observability.tracer.captureAWSv3Client(new DynamoDBClient({}));
const documents = createDocumentClient(dynamoDb);
const clock = createClock();
const ids = { newId: () => randomUUID() };
const audit = createAuditLog({ documents, clock, ids }, observability);
const deps: ProblemDeps = {
  // Knowledge writes store the self-help site's rebuild as an outbox item in the incidents table.
  problems: new DynamoDbProblemRepository(documents, env.problemsTable, env.incidentsTable, settings.retention.outboxItems),
  // Read only: GetItem by id and the byNumber index, to link incidents by id or number.
  incidents: new DynamoDbIncidentRepository(documents, env.incidentsTable, undefined, undefined, slaPolicyOf(settings), settings.retention.outboxItems),
  clock,
  ids,
  audit,
  ...knowledgeBaseOf(settings),
};
// The self-help site's downloadable bundle, where the client keeps one (its bucket is named only then).
const siteBundle = createSiteBundleLinks({ bucket: env.selfHelpBucket, clock, tracer: observability.tracer });

const httpDeps: ProblemHttpDeps = { ...deps, ...(siteBundle && { siteBundle }), candidateSettings: settings.problems };

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = PROBLEM_ROUTES;

// Idempotency-Key on POST works as on incidents: a retried creation does not make a second record.
export const handler = createHttpHandler(routes, httpDeps, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
