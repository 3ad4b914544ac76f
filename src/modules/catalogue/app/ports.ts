import type { Service, ServiceStatus } from '../domain/service-catalogue';
import type { ConfigurationItem, CiType, SoftwareInstallation } from '../domain/configuration-item';
import type { PageRequest, Page } from '../../../kernel/app/ports';

/** Ports of this module's use cases; adapters implement them. Shared ports (clock, ids, pages, notifier, audit) are in src/kernel/app/ports.ts. */

/** Looks services up by id: what incidents need of the service catalogue. */
export interface ServiceCatalogue {
  getService(id: string): Promise<Service | undefined>;
}

export interface ServiceFilter {
  readonly status?: ServiceStatus;
  /** The owner's username. */
  readonly owner?: string;
}

/** A CI as listed under a service: itself and its dependencies (relations to other CIs). */
export type ServiceCi = Pick<ConfigurationItem, 'id' | 'type' | 'name' | 'relations'>;

/** A CI running a piece of software, with the services that use the CI. */
export interface SoftwareInventoryEntry extends SoftwareInstallation {
  readonly ci: Pick<ConfigurationItem, 'id' | 'name' | 'type'>;
  readonly services: readonly string[];
}

/** The catalogue table: services, CIs with their versions, and the items the queries read. */
export interface CatalogueRepository extends ServiceCatalogue {
  /** Fails with AlreadyExistsError when the id is taken. */
  createService(service: Service): Promise<void>;
  /** Stores the next version if the stored one is still `expectedVersion`; VersionConflictError otherwise. */
  saveService(service: Service, expectedVersion: number): Promise<void>;
  listServices(filter: ServiceFilter, page: PageRequest): Promise<Page<Service>>;
  createCi(ci: ConfigurationItem): Promise<void>;
  getCi(id: string): Promise<ConfigurationItem | undefined>;
  /** Stores `next` and keeps it as a version, replacing what `previous` wrote for the queries; VersionConflictError if `previous` is stale. */
  saveCi(next: ConfigurationItem, previous: ConfigurationItem): Promise<void>;
  /** Every version of a CI, newest first. */
  ciHistory(id: string, page: PageRequest): Promise<Page<ConfigurationItem>>;
  cisOfType(type: CiType, page: PageRequest): Promise<Page<ConfigurationItem>>;
  /** CIs used by more than one service, most shared first. */
  sharedPlatforms(page: PageRequest): Promise<Page<ConfigurationItem>>;
  /** CIs running software `name` (normalized) at a version starting with `versionPrefix`. */
  softwareInventory(name: string, versionPrefix: string, page: PageRequest): Promise<Page<SoftwareInventoryEntry>>;
  cisOfService(serviceId: string, page: PageRequest): Promise<Page<ServiceCi>>;
}
