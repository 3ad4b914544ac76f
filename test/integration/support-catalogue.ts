import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCatalogueRepository } from '../../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import type { Service } from '../../src/modules/catalogue/domain/service-catalogue';

/** A complete, live service entity for tests; `id` names it. */
export function aService(id: string, overrides: Partial<Service> = {}): Service {
  const at = '2026-01-01T09:00:00.000Z';
  return {
    id,
    name: `Service ${id}`,
    description: `The ${id} service (test fixture)`,
    // The test callers' service owner (support-events.ts): they own every fixture service unless a test says otherwise.
    owner: { username: 'oscar.owner', name: 'Oscar Owner', email: 'oscar.owner@example.com' },
    status: 'live',
    commencementDate: '2025-06-01',
    sla: { reference: 'MSA-2026 schedule 2' },
    links: [],
    contacts: { nominated: [] },
    createdAt: at,
    createdBy: 'test-seed',
    updatedAt: at,
    updatedBy: 'test-seed',
    version: 1,
    ...overrides,
  };
}

/**
 * Services the incident tests log incidents on. Incidents must name a live service of the
 * catalogue, so the handler tests start with these in their catalogue table; each test keeps
 * its own service name, so counts and queues per service stay the test's own.
 */
export const INCIDENT_TEST_SERVICES = [
  'email', 'vpn', 'erp', 'crm', 'hr', 'web-shop', 'monitoring', 'printing', 'payroll',
  'matrix', 'matrix-create', 'idempotency', 'badinput', 'paging', 'list-paging', 'forged-target', 'patch-priority', 'patch-transition',
  'auditor', 'confirm-body', 'confirm-early', 'confirm-etag', 'confirm-ok', 'confirm-who',
  'escalate-agent', 'escalate-checks', 'escalate-owner', 'outage-lost', 'escalate-ok', 'escalate-resolved',
  'major-no-plan', 'major-no-reason', 'major-ok', 'major-refused',
  'prio-concurrent', 'prio-users', 'prio-users-few', 'prio-users-later', 'reject-etag', 'reject-ok', 'requester-notes',
  'svc-q-a', 'svc-q-b', 'svc-q-c', 'svc-q-d', 'svc-q-e', 'svc-q-other',
  'timeline-comments', 'timeline-other', 'timeline-stale', 'timeline-story', 'views',
] as const;

/** Stores the services (live unless overridden) in the catalogue table. */
export async function seedServices(db: DynamoDBDocumentClient, tableName: string, services: readonly (string | Service)[]): Promise<void> {
  const repository = new DynamoDbCatalogueRepository(db, tableName);
  for (const service of services) await repository.createService(typeof service === 'string' ? aService(service) : service);
}
