import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { listAuditRecords, verifyAuditTrail, type AuditReadDeps } from '../app/audit-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail, sha256Hex } from '../../../kernel/adapters/dynamodb-audit-trail';
import { listAuditQuerySchema, verifyAuditQuerySchema } from '../schemas/audit-schemas';
import { authenticated, createHttpHandler, type RouteTable } from '../../../kernel/http/http-router';
import { parseQuery } from '../../../kernel/http/http-request';
import { createAuditLog } from '../../../platform/request-context';
import { createClock, createObservability, readEnvironment } from '../../../platform/runtime-environment';
import { AUDIT_ENVIRONMENT } from './environment';

const env = readEnvironment(AUDIT_ENVIRONMENT);

/**
 * The auditors' routes: list and verify the audit trail. The function reads the audit table;
 * it appends only the records of requests it refuses (anyone but an auditor).
 */
const observability = createObservability('audit');
const trail = new DynamoDbAuditTrail(
  createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))),
  env.auditTable,
  { clock: createClock(), ids: { newId: () => randomUUID() } },
);
const deps: AuditReadDeps = { trail, sha256: sha256Hex, clock: createClock() };

export const routes: RouteTable = {
  'GET /audit': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await listAuditRecords(deps, caller, parseQuery(event, listAuditQuerySchema)),
  })),
  'GET /audit/verify': authenticated(async ({ event, caller }) => ({
    status: 200,
    body: await verifyAuditTrail(deps, caller, parseQuery(event, verifyAuditQuerySchema)),
  })),
};

export const handler = createHttpHandler(routes, observability, {
  audit: createAuditLog(trail, observability),
});
