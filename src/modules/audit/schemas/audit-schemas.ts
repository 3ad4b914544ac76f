import * as z from 'zod';
import { AUDIT_OUTCOMES, CHAIN_BREAK_REASONS } from '../../../kernel/domain/audit-chain';

/**
 * Request and response schemas of the audit routes: the single source for validation,
 * TypeScript types and the published OpenAPI description.
 */
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-25T09:30:00Z');
const actor = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,139}$/, 'must be 1–140 letters, digits or . _ : @ -')
  .describe('Who acted: a username, client:<id>, system:<job> or anonymous');

export const listAuditQuerySchema = z.strictObject({
  resource: z
    .string()
    .regex(/^[a-z][a-z-]{0,31}\/[A-Za-z0-9][A-Za-z0-9._:@{}/ -]{0,255}$/, 'must be <type>/<id>, e.g. incident/6f0c…')
    .optional()
    .describe('The resource the records are about, as <type>/<id>'),
  actor: actor.optional(),
  from: timestamp.optional().describe('Records at or after this time'),
  to: timestamp.optional().describe('Records at or before this time'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().max(2048).optional(),
});
export type ListAuditQuery = z.infer<typeof listAuditQuerySchema>;

export const verifyAuditQuerySchema = z.strictObject({
  from: timestamp.optional().describe('Verify records from this time (default: the first record)'),
  to: timestamp.optional().describe('Verify records up to this time (default: the chain head)'),
});
export type VerifyAuditQuery = z.infer<typeof verifyAuditQuerySchema>;

export const auditRecordSchema = z
  .object({
    id: z.string(),
    at: z.string().describe('UTC time of the record'),
    actor: z.string(),
    roles: z.array(z.string()),
    action: z.string().describe('e.g. incident:update, or the route of a refused request'),
    resource: z.object({ type: z.string(), id: z.string() }),
    outcome: z.enum(AUDIT_OUTCOMES).describe('allowed: a change that was made; denied: a refused request'),
    requestId: z.string().optional(),
    sourceIp: z.string().optional(),
    reason: z.string().optional(),
    changes: z.array(z.object({ field: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })).optional(),
    hash: z.string().describe('SHA-256 (hex) of this record\'s canonical JSON without the hash; the chain entry covering it holds the same'),
    v: z.literal(2).optional().describe('2: personal values (actor, source IP, people named in changes) sit outside the hashed content, each hashed as a salted digest, so a person can be erased without breaking the chain; absent: version 1, everything hashed'),
    personalDigests: z.array(z.string()).optional().describe('Version 2: per personal value, in order, SHA-256 (hex) of its salt and the value (hashed with the record)'),
  })
  .describe('An audit record');

export const auditPageSchema = z.object({
  items: z.array(auditRecordSchema),
  nextToken: z.string().optional().describe('Pass back as ?nextToken= to read the next page'),
});

export const auditVerificationSchema = z
  .object({
    intact: z.boolean(),
    checked: z.number().int().min(0).describe('Chain entries checked with their records (the range, and the entry before it)'),
    pending: z.number().int().min(0).describe('Records not chained yet: written in the last few minutes (the chaining lag), not a break'),
    complete: z.boolean().describe('False when the range held more records than one verification reads'),
    resumeFrom: z.string().optional().describe('With complete false: verify again from this time'),
    firstBreak: z
      .object({ sequence: z.number().int(), recordId: z.string(), reason: z.enum(CHAIN_BREAK_REASONS) })
      .optional()
      .describe('Where the chain first breaks: content-altered, record-missing, entry-altered, link-broken, gap, or unchained (a record older than the lag that no chain entry covers)'),
  })
  .describe('Whether the audit chain is intact');
