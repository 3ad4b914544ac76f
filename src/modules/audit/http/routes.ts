import { auditPageSchema, auditVerificationSchema, listAuditQuerySchema, verifyAuditQuerySchema } from '../schemas/audit-schemas';
import { type AuditReadDeps, listAuditRecords, verifyAuditTrail } from '../app/audit-use-cases';
import { parseQuery } from '../../../kernel/http/http-request';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The audit function's routes: list and verify the audit trail (auditors only).
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

export const AUDIT_ROUTES = defineRoutes<AuditReadDeps>('audit', [
  {
    method: 'GET', path: '/audit', auth: 'token', operationId: 'listAuditRecords',
    summary: 'Audit records by resource, actor and time, oldest first (auditors only)', query: listAuditQuerySchema,
    response: { status: 200, schema: auditPageSchema, description: 'One page' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await listAuditRecords(deps, caller, parseQuery(event, listAuditQuerySchema)),
    }),
  },
  {
    method: 'GET', path: '/audit/verify', auth: 'token', operationId: 'verifyAuditTrail',
    summary: 'Whether the audit chain is intact over a time range, and where it first breaks (auditors only)', query: verifyAuditQuerySchema,
    response: { status: 200, schema: auditVerificationSchema, description: 'The verification result' },
    handle: async ({ event, caller }, deps) => ({
      status: 200,
      body: await verifyAuditTrail(deps, caller, parseQuery(event, verifyAuditQuerySchema)),
    }),
  },
]);
