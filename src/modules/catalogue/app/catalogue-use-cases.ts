import {
  catalogueScope,
  firstForbiddenServiceField,
  mayChangeService,
  type Caller,
  type CatalogueAction,
  type CatalogueScope,
} from '../../../kernel/domain/access-policy';
import {
  changeConfigurationItem,
  newConfigurationItem,
  versionPrefix,
  type CiChanges,
  type CiInput,
  type CiType,
  type ConfigurationItem,
} from '../domain/configuration-item';
import { ForbiddenError, InvalidInputError, NotFoundError, type FieldIssue } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import { findSecrets } from '../../../kernel/domain/secret-detector';
import {
  changeService,
  newService,
  retireService,
  serviceSummary,
  type Service,
  type ServiceChanges,
  type ServiceInput,
  type ServiceSummary,
} from '../domain/service-catalogue';
import type { ServiceStatus } from '../domain/service-catalogue';
import type { AuditLog, Clock, IdSource, Page } from '../../../kernel/app/ports';
import type { CatalogueRepository, ServiceCi, SoftwareInventoryEntry } from './ports';
import { recordChangeEntry } from '../../audit/app';

export interface CatalogueDeps {
  readonly catalogue: CatalogueRepository;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Every stored change is recorded here, after it is stored (see docs/security.md, "Audit trail"). */
  readonly audit: AuditLog;
}

/** A service as the caller may see it: whole, or id, name, status and request types for requesters and machine clients. */
export type ServiceView = Service | ServiceSummary;

// ---------------------------------------------------------------------------------------------
// Services

export async function createService(deps: CatalogueDeps, caller: Caller, input: ServiceInput): Promise<ServiceView> {
  const scope = requireScope(caller, 'service:create', 'create services');
  if (scope === 'own' && input.owner.username !== caller.name) {
    throw new ForbiddenError('Service owners may only create services they own (owner.username is your username)', 'owner.username');
  }
  assertNoSecrets(input);
  const service = newService(input, caller, now(deps));
  await deps.catalogue.createService(service);
  await deps.audit.record(recordChangeEntry(caller, 'service:create', { type: 'service', id: service.id }, undefined, service));
  return service;
}

export async function getService(deps: CatalogueDeps, caller: Caller, id: string): Promise<ServiceView> {
  const scope = requireScope(caller, 'service:read', 'read services');
  return serviceView(scope, await loadService(deps, id));
}

export async function listServices(
  deps: CatalogueDeps,
  caller: Caller,
  query: { readonly status?: ServiceStatus; readonly owner?: string; readonly limit: number; readonly nextToken?: string },
): Promise<Page<ServiceView>> {
  const scope = requireScope(caller, 'service:read', 'list services');
  const owner = query.owner === 'me' ? caller.name : query.owner;
  const page = await deps.catalogue.listServices(
    { ...(query.status && { status: query.status }), ...(owner && { owner }) },
    { limit: query.limit, ...(query.nextToken && { nextToken: query.nextToken }) },
  );
  return { ...page, items: page.items.map((s) => serviceView(scope, s)) };
}

export async function updateService(
  deps: CatalogueDeps,
  caller: Caller,
  id: string,
  changes: ServiceChanges,
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<ServiceView> {
  requireScope(caller, 'service:change', 'change services');
  const forbidden = firstForbiddenServiceField(caller, Object.keys(changes));
  if (forbidden) throw new ForbiddenError(`Your role may not change ${forbidden}; an admin hands a service to another owner`, forbidden);
  const current = await loadServiceForChange(deps, caller, id, ifMatchVersion);
  assertNoSecrets(changes);
  const next = changeService(current, changes, caller, now(deps));
  await deps.catalogue.saveService(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, 'service:update', { type: 'service', id }, current, next));
  return next;
}

/** Retiring is the only way out of the catalogue: incidents keep naming the service, so it is never deleted. */
export async function retire(
  deps: CatalogueDeps,
  caller: Caller,
  id: string,
  request: { readonly reason: string; readonly retirementDate?: string },
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<ServiceView> {
  requireScope(caller, 'service:change', 'retire services');
  const current = await loadServiceForChange(deps, caller, id, ifMatchVersion);
  assertNoSecrets(request);
  const next = retireService(current, request, caller, now(deps));
  await deps.catalogue.saveService(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, 'service:retire', { type: 'service', id }, current, next));
  return next;
}

async function loadService(deps: CatalogueDeps, id: string): Promise<Service> {
  const service = await deps.catalogue.getService(id);
  if (!service) throw new NotFoundError(`No service ${id}`, 'id');
  return service;
}

async function loadServiceForChange(deps: CatalogueDeps, caller: Caller, id: string, ifMatchVersion: VersionPrecondition | undefined): Promise<Service> {
  const service = await loadService(deps, id);
  if (!mayChangeService(caller, 'service:change', service)) {
    throw new ForbiddenError(`Only the service's owner (${service.owner.username}) or an admin may change it`, 'owner');
  }
  assertVersionPrecondition(ifMatchVersion, service.version);
  return service;
}

const serviceView = (scope: CatalogueScope, service: Service): ServiceView => (scope === 'summary' ? serviceSummary(service) : service);

// ---------------------------------------------------------------------------------------------
// Configuration items

export async function createCi(deps: CatalogueDeps, caller: Caller, input: CiInput): Promise<ConfigurationItem> {
  requireScope(caller, 'ci:manage', 'manage configuration items');
  assertNoSecrets(input);
  const ci = newConfigurationItem(deps.ids.newId(), input, caller, now(deps));
  await assertReferencesExist(deps, ci);
  await deps.catalogue.createCi(ci);
  await deps.audit.record(recordChangeEntry(caller, 'ci:create', { type: 'ci', id: ci.id }, undefined, ci));
  return ci;
}

export async function getCi(deps: CatalogueDeps, caller: Caller, id: string): Promise<ConfigurationItem> {
  requireScope(caller, 'ci:read', 'read configuration items');
  return loadCi(deps, id);
}

export async function updateCi(
  deps: CatalogueDeps,
  caller: Caller,
  id: string,
  changes: CiChanges,
  ifMatchVersion: VersionPrecondition | undefined,
): Promise<ConfigurationItem> {
  requireScope(caller, 'ci:manage', 'manage configuration items');
  const current = await loadCi(deps, id);
  assertVersionPrecondition(ifMatchVersion, current.version);
  assertNoSecrets(changes);
  const next = changeConfigurationItem(current, changes, caller, now(deps));
  await assertReferencesExist(deps, next);
  await deps.catalogue.saveCi(next, current);
  await deps.audit.record(recordChangeEntry(caller, 'ci:update', { type: 'ci', id }, current, next));
  return next;
}

export async function ciHistory(deps: CatalogueDeps, caller: Caller, id: string, page: PageQuery): Promise<Page<ConfigurationItem>> {
  requireScope(caller, 'ci:read', 'read configuration items');
  await loadCi(deps, id);
  return deps.catalogue.ciHistory(id, pageOf(page));
}

export async function listCisOfType(deps: CatalogueDeps, caller: Caller, type: CiType, page: PageQuery): Promise<Page<ConfigurationItem>> {
  requireScope(caller, 'ci:read', 'list configuration items');
  return deps.catalogue.cisOfType(type, pageOf(page));
}

/** CIs more than one service uses, each with those services: where one fault hits several services. */
export async function sharedPlatforms(
  deps: CatalogueDeps,
  caller: Caller,
  page: PageQuery,
): Promise<Page<Pick<ConfigurationItem, 'id' | 'type' | 'name' | 'services'>>> {
  requireScope(caller, 'ci:read', 'read configuration items');
  const result = await deps.catalogue.sharedPlatforms(pageOf(page));
  return { ...result, items: result.items.map(({ id, type, name, services }) => ({ id, type, name, services })) };
}

/** Which CIs, and so which services, run a piece of software at a version (prefix): `openssl` `3.0.x`. */
export async function softwareInventory(
  deps: CatalogueDeps,
  caller: Caller,
  query: PageQuery & { readonly name: string; readonly version?: string },
): Promise<Page<SoftwareInventoryEntry>> {
  requireScope(caller, 'ci:read', 'read configuration items');
  return deps.catalogue.softwareInventory(query.name, query.version ? versionPrefix(query.version) : '', pageOf(query));
}

export async function cisOfService(deps: CatalogueDeps, caller: Caller, serviceId: string, page: PageQuery): Promise<Page<ServiceCi>> {
  requireScope(caller, 'ci:read', 'read configuration items');
  await loadService(deps, serviceId);
  return deps.catalogue.cisOfService(serviceId, pageOf(page));
}

async function loadCi(deps: CatalogueDeps, id: string): Promise<ConfigurationItem> {
  const ci = await deps.catalogue.getCi(id);
  if (!ci) throw new NotFoundError(`No configuration item ${id}`, 'id');
  return ci;
}

/** Services and related CIs must exist: a relation to nothing would answer queries wrongly for ever. */
async function assertReferencesExist(deps: CatalogueDeps, ci: ConfigurationItem): Promise<void> {
  const [services, related] = await Promise.all([
    Promise.all(ci.services.map((id) => deps.catalogue.getService(id))),
    Promise.all(ci.relations.map((r) => deps.catalogue.getCi(r.ci))),
  ]);
  const issues: FieldIssue[] = [];
  services.forEach((service, i) => {
    if (!service) issues.push({ field: `services.${i}`, message: `"${ci.services[i]}" is not a service in the catalogue` });
  });
  related.forEach((target, i) => {
    if (!target) issues.push({ field: `relations.${i}.ci`, message: `${ci.relations[i]!.ci} is not a configuration item` });
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
}

// ---------------------------------------------------------------------------------------------

interface PageQuery {
  readonly limit: number;
  readonly nextToken?: string | undefined;
}
const pageOf = (page: PageQuery) => ({ limit: page.limit, ...(page.nextToken && { nextToken: page.nextToken }) });

/** Refuses, naming each field, any value that looks like a secret: the catalogue holds references only. */
function assertNoSecrets(body: unknown): void {
  const issues = findSecrets(body);
  if (issues.length > 0) throw new InvalidInputError(issues);
}


function requireScope(caller: Caller, action: CatalogueAction, what: string): CatalogueScope {
  const scope = catalogueScope(caller, action);
  if (scope === 'none') throw new ForbiddenError(`Your role may not ${what}`, 'role');
  return scope;
}

const now = (deps: CatalogueDeps) => deps.clock.now().toISOString();
