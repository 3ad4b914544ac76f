import * as z from 'zod';
import { DEFAULT_PRIORITY_MATRIX, findMatrixInversions, PRIORITIES, type PriorityMatrix } from '../domain/priority';
import { parseIsoDuration } from '../domain/iso-duration';

/**
 * The part of a client's configuration that the functions need at run time. The deployment
 * schema in lib/config extends this one, so both read a client file the same way.
 */
const priority = z.enum(PRIORITIES);
const matrixRow = z.strictObject({ '1': priority, '2': priority, '3': priority });

export const priorityMatrixSchema = z
  .strictObject({ '1': matrixRow, '2': matrixRow, '3': matrixRow })
  .describe('priorityMatrix[impact][urgency] → priority; impact and urgency from 1 (high) to 3 (low)')
  .superRefine((matrix, ctx) => {
    for (const problem of findMatrixInversions(matrix as PriorityMatrix)) {
      ctx.addIssue({ code: 'custom', message: `inconsistent matrix: ${problem}` });
    }
  });

export const isoDurationSchema = z.string().refine((value) => parseIsoDuration(value) !== undefined, {
  message: 'must be a positive ISO 8601 duration such as PT15M, PT4H or P3D',
});

const slaTarget = z
  .strictObject({ acknowledge: isoDurationSchema, respond: isoDurationSchema, resolve: isoDurationSchema })
  .superRefine((t, ctx) => {
    const [a, r, s] = [t.acknowledge, t.respond, t.resolve].map((d) => parseIsoDuration(d)!);
    if (a! > r!) ctx.addIssue({ code: 'custom', path: ['acknowledge'], message: 'must not be longer than respond' });
    if (r! > s!) ctx.addIssue({ code: 'custom', path: ['respond'], message: 'must not be longer than resolve' });
  });

export const DEFAULT_SLA_TARGETS = {
  P1: { acknowledge: 'PT15M', respond: 'PT30M', resolve: 'PT4H' },
  P2: { acknowledge: 'PT30M', respond: 'PT1H', resolve: 'PT8H' },
  P3: { acknowledge: 'PT2H', respond: 'PT4H', resolve: 'P3D' },
  P4: { acknowledge: 'PT4H', respond: 'PT8H', resolve: 'P5D' },
  P5: { acknowledge: 'P1D', respond: 'P2D', resolve: 'P10D' },
} as const;

export const slaTargetsSchema = z
  .strictObject({ P1: slaTarget, P2: slaTarget, P3: slaTarget, P4: slaTarget, P5: slaTarget })
  .describe('Per priority: acknowledge, respond and resolve targets as ISO 8601 durations');

export const timeZoneSchema = z.string().refine(isKnownTimeZone, {
  message: 'must be an IANA time zone such as Europe/London',
});

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const clientSettingsSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3–32 characters of lowercase letters, digits and hyphens'),
  timeZone: timeZoneSchema,
  priorityMatrix: priorityMatrixSchema.default(DEFAULT_PRIORITY_MATRIX),
  slaTargets: slaTargetsSchema.default(DEFAULT_SLA_TARGETS),
});

export type ClientSettings = z.infer<typeof clientSettingsSchema>;
