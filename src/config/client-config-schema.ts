import * as z from 'zod';
import { clientSettingsSchema } from './client-settings-schema';
import { createServiceBodySchema } from '../modules/catalogue/schemas/catalogue-schemas';

export type { Contact } from './client-settings-schema';

/**
 * The one schema for a client file in clients/. It extends the run-time settings the functions
 * read (priority matrix, SLA targets, time zone) with what only the deployment needs.
 */
const awsRegion = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region code such as eu-west-2');

export const clientConfigSchema = clientSettingsSchema
  .extend({
    $schema: z.string().optional(),
    name: z.string().trim().min(1).max(120).describe("The client's display name"),
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    region: awsRegion.describe('The region the stack is pinned to'),
    allowedRegions: z
      .array(awsRegion)
      .min(1)
      .describe('Regions the client allows its data in (data residency); region must be one of them'),
    logRetentionDays: z
      .union([z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365), z.literal(731), z.literal(1827), z.literal(3653)], { error: 'must be one of 30, 60, 90, 180, 365, 731, 1827 or 3653 (days)' })
      .default(365)
      .describe('Retention of function and API logs, in days'),
    alertEmail: z.email().optional().describe('Operations mailbox for stack alarms'),
    services: z
      .array(createServiceBodySchema)
      .max(100)
      .optional()
      .describe('An example catalogue the local runtime (npm start) creates when these service ids are missing; on AWS, services are created through POST /services'),
  })
  .superRefine((config, ctx) => {
    const ids = (config.services ?? []).map((s) => s.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['services', i, 'id'], message: `"${id}" is listed twice` });
    });
    // The stack puts the health alarms' rule first (src/kernel/infra/itsm-health-alarms.ts): one place is kept for it.
    if (config.monitoring.alarmRules.length > 99) {
      ctx.addIssue({ code: 'custom', path: ['monitoring', 'alarmRules'], message: 'at most 99 rules: the stack adds the health alarms\' rule first' });
    }
    if (!config.allowedRegions.includes(config.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: `"${config.region}" is not in allowedRegions [${config.allowedRegions.join(', ')}]`,
      });
    }
  });

export type ClientConfig = z.infer<typeof clientConfigSchema>;
