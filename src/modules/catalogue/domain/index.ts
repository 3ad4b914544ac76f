/**
 * The public entry of the catalogue module's domain: what other modules may use of it
 * (test/unit/module-boundaries.test.ts). Everything else in this folder is the module's own business.
 */
export { withInstalledVersions } from './configuration-item';
export type { CiVersionUpdate, ConfigurationItem } from './configuration-item';
export { assertServiceAcceptsIncidents, escalationContacts, providerContacts } from './service-catalogue';
export type { DefaultContacts, Service, ServiceRequestType } from './service-catalogue';
