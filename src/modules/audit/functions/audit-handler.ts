import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditReadDeps } from '../app/audit-use-cases';
import { createDocumentClient } from '../../../kernel/adapters/document-client';
import { DynamoDbAuditTrail, sha256Hex } from '../../../kernel/adapters/dynamodb-audit-trail';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { AUDIT_ROUTES } from '../http/routes';
import { createAuditLog } from '../../../platform/request-context';
import { createClock, createObservability, readEnvironment } from '../../../platform/runtime-environment';
import { AUDIT_ENVIRONMENT } from './environment';
import { createChainIntegrity } from './chain-integrity-factory';

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
const audit = createAuditLog(trail, observability);
const deps: AuditReadDeps = {
  trail,
  audit,
  sha256: sha256Hex,
  clock: createClock(),
  ...createChainIntegrity(observability.tracer, { sealKey: env.auditSealKey, anchorBucket: env.auditAnchorBucket }),
};

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = AUDIT_ROUTES;

export const handler = createHttpHandler(routes, deps, observability, { audit });
