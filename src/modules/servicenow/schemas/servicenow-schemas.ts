import * as z from 'zod';

/**
 * Request and response schemas of the ServiceNow exchange's routes: the single source for
 * validation, TypeScript types and the published OpenAPI description.
 */
const timestamp = z.iso.datetime({ offset: true });

export const serviceNowEventSchema = z
  .object({
    table: z.string().describe('The table of the record that changed, e.g. incident'),
    sys_id: z.string().describe("The record's sys_id (32 hex digits)"),
    sys_mod_count: z.string().describe('Its sys_mod_count after the change'),
  })
  .describe('The business rule\'s call, signed: X-Rowe-Itsm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">');

export const serviceNowEventOutcomeSchema = z
  .object({ outcome: z.enum(['applied', 'echo', 'busy', 'out-of-scope', 'created', 'not-found']).describe('What became of the call (echo: our own write coming back)') })
  .describe('The call was taken');

export const exceptionIdSchema = z.string().regex(/^\d{17}-[0-9a-f]{8}$/, 'must be an exception id such as 20261207093000123-0a1b2c3d');

export const listExceptionsQuerySchema = z.strictObject({
  status: z.enum(['open', 'resolved']).optional().describe('Only open (to settle) or resolved ones'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().max(2048).optional(),
});
export type ListExceptionsQuery = z.infer<typeof listExceptionsQuerySchema>;

export const syncExceptionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['conflict', 'refused-there', 'refused-here']).describe('conflict: both sides changed the field; refused-there/-here: one side would not take the value'),
    incidentId: z.string().describe('Our record: an incident id, or `change:<id>` for a change mirrored to a change_request'),
    sysId: z.string().describe("Their record's sys_id"),
    table: z.string(),
    field: z.string().describe('The ServiceNow field'),
    kept: z.enum(['rowe-itsm', 'servicenow']).describe('Whose value stands'),
    ours: z.string().describe('Our value, in their terms'),
    theirs: z.string().describe('Their value'),
    reason: z.string(),
    at: timestamp,
    status: z.enum(['open', 'resolved']),
    resolvedBy: z.string().optional(),
    resolvedAt: timestamp.optional(),
    resolution: z.enum(['retried', 'accepted']).optional().describe('retried: the other value was sent again; accepted: the kept value stands'),
  })
  .describe('A value the exchange could not keep in step');

export const syncExceptionPageSchema = z.object({
  items: z.array(syncExceptionSchema),
  nextToken: z.string().optional().describe('Pass back as ?nextToken= to read the next page'),
});
