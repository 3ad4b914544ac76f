import {
  ciIdSchema,
  ciPageSchema,
  ciSchema,
  createCiBodySchema,
  createServiceBodySchema,
  listCisQuerySchema,
  listServicesQuerySchema,
  pageQuerySchema,
  retireServiceBodySchema,
  serviceCisPageSchema,
  serviceIdSchema,
  servicePageSchema,
  serviceSchema,
  sharedPlatformPageSchema,
  softwareInventoryPageSchema,
  softwareQuerySchema,
  updateCiBodySchema,
  updateServiceBodySchema,
} from '../schemas/catalogue-schemas';
import {
  type CatalogueDeps,
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
} from '../app/catalogue-use-cases';
import { basePath } from '../../../kernel/http/http-router';
import { ifMatchVersion, parseJsonBody, parseQuery, validate } from '../../../kernel/http/http-request';
import { representation } from '../../../kernel/http/representation';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The catalogue function's routes: the service catalogue and configuration items.
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

type Params = Record<string, string | undefined> | null;
const serviceId = (params: Params) => validate(serviceIdSchema, params?.['id'], 'id');
const ciId = (params: Params) => validate(ciIdSchema, params?.['id'], 'id');

export const CATALOGUE_ROUTES = defineRoutes<CatalogueDeps>('catalogue', [
  // The service catalogue and configuration items (function group `catalogue`).
  {
    method: 'POST', path: '/services', auth: 'token', operationId: 'createService',
    summary: 'Add a service to the catalogue (admins; service owners for services they own)', body: createServiceBodySchema,
    response: { status: 201, schema: serviceSchema, description: 'Created; Location and ETag headers set' }, problems: [409, 415],
    handle: async ({ event, caller }, deps) => {
      const service = await createService(deps, caller, parseJsonBody(event, createServiceBodySchema));
      return representation(service, 201, { Location: `${basePath(event)}/services/${service.id}` });
    },
  },
  {
    method: 'GET', path: '/services', auth: 'token', operationId: 'listServices',
    summary: 'List services by status or owner (owner=me), by name', query: listServicesQuerySchema,
    response: { status: 200, schema: servicePageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listServices(deps, caller, parseQuery(event, listServicesQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/services/{id}', auth: 'token', operationId: 'getService',
    summary: 'Read a service; requesters see id, name, status and request types', response: { status: 200, schema: serviceSchema, description: 'The service; ETag header set' },
    problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getService(deps, caller, serviceId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/services/{id}', auth: 'token', operationId: 'updateService',
    summary: 'Change a service (its owner or an admin; If-Match required)', body: updateServiceBodySchema,
    response: { status: 200, schema: serviceSchema, description: 'The changed service; new ETag' }, problems: [404, 409, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = serviceId(event.pathParameters);
      const changes = parseJsonBody(event, updateServiceBodySchema);
      return representation(await updateService(deps, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'POST', path: '/services/{id}/retire', auth: 'token', operationId: 'retireService',
    summary: 'Retire a service: kept for the incidents that name it, new incidents refused (If-Match required)', body: retireServiceBodySchema,
    response: { status: 200, schema: serviceSchema, description: 'The retired service' }, problems: [404, 409, 412, 428],
    handle: async ({ event, caller }, deps) => {
      const id = serviceId(event.pathParameters);
      const request = parseJsonBody(event, retireServiceBodySchema);
      return representation(await retire(deps, caller, id, request, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'GET', path: '/services/{id}/cis', auth: 'token', operationId: 'listServiceCis',
    summary: 'The configuration items a service uses, each with its dependencies', query: pageQuerySchema,
    response: { status: 200, schema: serviceCisPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await cisOfService(deps, caller, serviceId(event.pathParameters), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'POST', path: '/cis', auth: 'token', operationId: 'createConfigurationItem',
    summary: 'Add a configuration item (admins); secrets only as references', body: createCiBodySchema,
    response: { status: 201, schema: ciSchema, description: 'Created; Location and ETag headers set' }, problems: [415],
    handle: async ({ event, caller }, deps) => {
      const ci = await createCi(deps, caller, parseJsonBody(event, createCiBodySchema));
      return representation(ci, 201, { Location: `${basePath(event)}/cis/${ci.id}` });
    },
  },
  {
    method: 'GET', path: '/cis', auth: 'token', operationId: 'listConfigurationItems',
    summary: 'Every configuration item of a type, by name', query: listCisQuerySchema,
    response: { status: 200, schema: ciPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => {
      const { type, ...page } = parseQuery(event, listCisQuerySchema);
      return { status: 200, body: await listCisOfType(deps, caller, type, page) };
    },
  },
  {
    method: 'GET', path: '/cis/{id}', auth: 'token', operationId: 'getConfigurationItem',
    summary: 'Read a configuration item', response: { status: 200, schema: ciSchema, description: 'The CI; ETag header set' }, problems: [404],
    handle: async ({ event, caller }, deps) => representation(await getCi(deps, caller, ciId(event.pathParameters)), 200),
  },
  {
    method: 'PATCH', path: '/cis/{id}', auth: 'token', operationId: 'updateConfigurationItem',
    summary: 'Change a configuration item (admins; If-Match required); the previous version is kept', body: updateCiBodySchema,
    response: { status: 200, schema: ciSchema, description: 'The changed CI; new ETag' }, problems: [404, 412, 415, 428],
    handle: async ({ event, caller }, deps) => {
      const id = ciId(event.pathParameters);
      const changes = parseJsonBody(event, updateCiBodySchema);
      return representation(await updateCi(deps, caller, id, changes, ifMatchVersion(event)), 200);
    },
  },
  {
    method: 'GET', path: '/cis/{id}/history', auth: 'token', operationId: 'getConfigurationItemHistory',
    summary: 'Every version of a configuration item, newest first', query: pageQuerySchema,
    response: { status: 200, schema: ciPageSchema, description: 'One page' }, problems: [404],
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await ciHistory(deps, caller, ciId(event.pathParameters), parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/catalogue/shared-platforms', auth: 'token', operationId: 'listSharedPlatforms',
    summary: 'Configuration items used by more than one service, most shared first', query: pageQuerySchema,
    response: { status: 200, schema: sharedPlatformPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await sharedPlatforms(deps, caller, parseQuery(event, pageQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/catalogue/software', auth: 'token', operationId: 'listSoftwareInventory',
    summary: 'Which CIs, and so which services, run a software name at a version prefix (e.g. openssl 3.0.x)', query: softwareQuerySchema,
    response: { status: 200, schema: softwareInventoryPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await softwareInventory(deps, caller, parseQuery(event, softwareQuerySchema)),
    }),
  },
]);
