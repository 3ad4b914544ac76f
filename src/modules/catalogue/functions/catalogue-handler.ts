import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type CatalogueDeps } from '../app/catalogue-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbCatalogueRepository } from '../adapters/dynamodb-catalogue-repository';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { CATALOGUE_ROUTES } from '../http/routes';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { createClock, createObservability, readEnvironment } from '../../../platform/runtime-environment';
import { CATALOGUE_ENVIRONMENT } from './environment';
import { createAuditLog } from '../../../platform/request-context';

const env = readEnvironment(CATALOGUE_ENVIRONMENT);
const observability = createObservability('catalogue');
const dynamoDb = observability.tracer.captureAWSv3Client(new DynamoDBClient({}));
const documents = createDocumentClient(dynamoDb);
const clock = createClock();
const ids = { newId: () => randomUUID() };
const audit = createAuditLog({ documents, clock, ids }, observability);
const deps: CatalogueDeps = {
  catalogue: new DynamoDbCatalogueRepository(documents, env.catalogueTable),
  clock,
  ids,
  audit,
};

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = CATALOGUE_ROUTES;

// Idempotency-Key on POST works as on incidents: a retried CI creation does not make a second CI.
export const handler = createHttpHandler(routes, deps, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
