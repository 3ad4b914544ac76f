import { ENV, environmentContract } from '../../../platform/environment-contract';

/** audit-handler.ts: the auditors' routes. */
export const AUDIT_ENVIRONMENT = environmentContract({ auditTable: ENV.auditTable, auditSealKey: ENV.auditSealKey, auditAnchorBucket: ENV.auditAnchorBucket });

/** audit-chainer-handler.ts: links new records into the chain, every minute. */
export const AUDIT_CHAINER_ENVIRONMENT = environmentContract({ auditTable: ENV.auditTable, auditSealKey: ENV.auditSealKey, auditAnchorBucket: ENV.auditAnchorBucket });

/** audit-pruner-handler.ts: removes audit records past the client's retention, daily. */
export const AUDIT_PRUNER_ENVIRONMENT = environmentContract({ auditTable: ENV.auditTable, clientSettings: ENV.clientSettings });
