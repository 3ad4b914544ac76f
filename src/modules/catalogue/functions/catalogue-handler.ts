import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ciHistory,
  cisOfService,
  createCi,
  createService,
  getCi,
  getService,
  listCisOfType,
  listServices,
  retire,
  sharedPlatforms,
  softwareInventory,
  updateCi,
  updateService,
  type CatalogueDeps,
} from '../app/catalogue-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbCatalogueRepository } from '../adapters/dynamodb-catalogue-repository';
import {
  ciIdSchema,
  createCiBodySchema,
  createServiceBodySchema,
  listCisQuerySchema,
  listServicesQuerySchema,
  pageQuerySchema,
  retireServiceBodySchema,
  serviceIdSchema,
  softwareQuerySchema,
  updateCiBodySchema,
  updateServiceBodySchema,
} from '../schemas/catalogue-schemas';
import { authenticated, basePath, createHttpHandler, type RouteTable } from '../../../kernel/http/http-router';
import { createIdempotencyGuard } from '../../../kernel/http/idempotent-requests';
import { ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { representation } from '../../../kernel/http/representation';
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

type Params = Record<string, string | undefined> | null;
const serviceId = (params: Params) => validate(serviceIdSchema, params?.['id'], 'id');
const ciId = (params: Params) => validate(ciIdSchema, params?.['id'], 'id');

export const routes: RouteTable = {
  'POST /services': authenticated(async ({ event, caller }) => {
    const service = await createService(deps, caller, parseJsonBody(event, createServiceBodySchema));
    return representation(service, 201, { Location: `${basePath(event)}/services/${service.id}` });
  }),
  'GET /services': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listServices(deps, caller, parseQuery(event, listServicesQuerySchema)),
  })),
  'GET /services/{id}': authenticated(async ({ event, caller }) => representation(await getService(deps, caller, serviceId(event.pathParameters)), 200)),
  'PATCH /services/{id}': authenticated(async ({ event, caller }) => {
    const id = serviceId(event.pathParameters);
    const changes = parseJsonBody(event, updateServiceBodySchema);
    return representation(await updateService(deps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
  'POST /services/{id}/retire': authenticated(async ({ event, caller }) => {
    const id = serviceId(event.pathParameters);
    const request = parseJsonBody(event, retireServiceBodySchema);
    return representation(await retire(deps, caller, id, request, ifMatchVersion(event)), 200);
  }),
  'GET /services/{id}/cis': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await cisOfService(deps, caller, serviceId(event.pathParameters), parseQuery(event, pageQuerySchema)),
  })),
  'POST /cis': authenticated(async ({ event, caller }) => {
    const ci = await createCi(deps, caller, parseJsonBody(event, createCiBodySchema));
    return representation(ci, 201, { Location: `${basePath(event)}/cis/${ci.id}` });
  }),
  'GET /cis': authenticated(async ({ event, caller }) => {
    const { type, ...page } = parseQuery(event, listCisQuerySchema);
    return { status: 200, body: await listCisOfType(deps, caller, type, page) };
  }),
  'GET /cis/{id}': authenticated(async ({ event, caller }) => representation(await getCi(deps, caller, ciId(event.pathParameters)), 200)),
  'PATCH /cis/{id}': authenticated(async ({ event, caller }) => {
    const id = ciId(event.pathParameters);
    const changes = parseJsonBody(event, updateCiBodySchema);
    return representation(await updateCi(deps, caller, id, changes, ifMatchVersion(event)), 200);
  }),
  'GET /cis/{id}/history': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await ciHistory(deps, caller, ciId(event.pathParameters), parseQuery(event, pageQuerySchema)),
  })),
  'GET /catalogue/shared-platforms': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await sharedPlatforms(deps, caller, parseQuery(event, pageQuerySchema)),
  })),
  'GET /catalogue/software': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await softwareInventory(deps, caller, parseQuery(event, softwareQuerySchema)),
  })),
};

// Idempotency-Key on POST works as on incidents: a retried CI creation does not make a second CI.
export const handler = createHttpHandler(routes, observability, {
  idempotency: createIdempotencyGuard(dynamoDb, env.idempotencyTable),
  audit,
});
