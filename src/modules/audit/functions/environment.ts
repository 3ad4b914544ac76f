import { ENV, environmentContract } from '../../../platform/environment-contract';

/** audit-handler.ts: the auditors' routes. */
export const AUDIT_ENVIRONMENT = environmentContract({ auditTable: ENV.auditTable, auditSealKey: ENV.auditSealKey, auditAnchorBucket: ENV.auditAnchorBucket });

/** audit-chainer-handler.ts: links new records into the chain, every minute. */
export const AUDIT_CHAINER_ENVIRONMENT = environmentContract({ auditTable: ENV.auditTable, auditSealKey: ENV.auditSealKey, auditAnchorBucket: ENV.auditAnchorBucket });
