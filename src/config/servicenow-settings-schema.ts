import * as z from 'zod';
import { INCIDENT_STATES, ON_HOLD_REASONS } from '../modules/incidents/domain/incident-lifecycle';
import { RESOLUTION_CODES } from '../modules/incidents/domain/incident';
import { PRIORITIES } from '../kernel/domain/priority';

/**
 * `integrations.servicenow`: the exchange of incidents with the client's own ServiceNow instance
 * (src/modules/servicenow, docs/servicenow.md). Every map goes from our value to theirs (the
 * values ServiceNow stores, e.g. state "6"); inbound, the same map is read backwards.
 */
const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'must be the ARN of a Secrets Manager secret (credentials are never written in the config)');
const snValue = z.string().trim().min(1).max(100);
const sysId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a sys_id (32 hex digits)');

/** Where a URL may point: https anywhere; http only to the loopback (the local runtime, checked at synth by the stack). */
export function isLoopbackHttp(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && (parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]');
  } catch {
    return false;
  }
}

/** Fields of ours a custom `u_*` field may carry (values kept as their string form there). */
export const CUSTOM_FIELD_SOURCES = ['usersAffected', 'category', 'subcategory', 'workaround', 'service'] as const;
export type CustomFieldSource = (typeof CUSTOM_FIELD_SOURCES)[number];
export const SIDES = ['rowe-itsm', 'servicenow'] as const;
export type Side = (typeof SIDES)[number];

const uniqueValues = (name: string) => (map: Record<string, string>, ctx: z.RefinementCtx) => {
  const seen = new Map<string, string>();
  for (const [ours, theirs] of Object.entries(map)) {
    const other = seen.get(theirs);
    if (other !== undefined) ctx.addIssue({ code: 'custom', path: [ours], message: `maps to "${theirs}" like "${other}": inbound, ${name} "${theirs}" would be ambiguous` });
    seen.set(theirs, ours);
  }
};

/** Every value of ours needs its ServiceNow value (a record on an enum is exhaustive), and no two share one. */
const completeMap = <const T extends readonly [string, ...string[]]>(keys: T, name: string) => z.record(z.enum(keys), snValue).superRefine(uniqueValues(name));

export const DEFAULT_SERVICENOW_MAPS = {
  states: { New: '1', 'In Progress': '2', 'On Hold': '3', Resolved: '6', Closed: '7', Canceled: '8' },
  impacts: { '1': '1', '2': '2', '3': '3' },
  urgencies: { '1': '1', '2': '2', '3': '3' },
  priorities: { P1: '1', P2: '2', P3: '3', P4: '4', P5: '5' },
  holdReasons: { 'awaiting caller': '1', 'awaiting problem': '3', 'awaiting vendor': '4', 'awaiting change': '5' },
  closeCodes: {
    'Solved (permanently)': 'Solved (Permanently)',
    'Solved (workaround)': 'Solved (Work Around)',
    'Not solved (not reproducible)': 'Not Solved (Not Reproducible)',
    'Not solved (too costly)': 'Not Solved (Too Costly)',
    'Closed by caller': 'Closed/Resolved by Caller',
    'Cleared by monitoring': 'Solved Remotely (Permanently)',
    Remediated: 'Solved Remotely (Work Around)',
    Duplicate: 'Duplicate',
  },
} as const;

const customFieldSchema = z.strictObject({
  field: z.string().regex(/^u_[a-z0-9_]{1,78}$/, 'must be a custom field name: u_ then lowercase letters, digits or underscores'),
  ours: z.enum(CUSTOM_FIELD_SOURCES, { error: `must be one of ${CUSTOM_FIELD_SOURCES.join(', ')}` }).describe('The incident field it carries'),
  direction: z.enum(['out', 'in', 'both']).describe('out: we write it; in: we read it; both'),
  owner: z.enum(SIDES).describe('Whose value wins when both sides changed it between two syncs'),
});

export const serviceNowSettingsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false keeps the mapping in the file but exchanges nothing (and deploys nothing for it)'),
    instanceUrl: z
      .string()
      .refine((url) => /^https:\/\/[^/]+\/?$/.test(url) || isLoopbackHttp(url), 'must be the instance\'s https:// base URL, e.g. https://acme.service-now.com (http only to 127.0.0.1, for the local runtime)')
      .transform((url) => url.replace(/\/$/, ''))
      .describe('The instance, e.g. https://acme.service-now.com'),
    auth: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('basic'), secretArn: secretArn.describe('Secret JSON {"user","password"} of the integration user') }),
        z.strictObject({
          type: z.literal('oauth-client-credentials'),
          secretArn: secretArn.describe('Secret JSON {"clientId","clientSecret"} of the OAuth application'),
        }),
      ], { error: 'must be { "type": "basic" | "oauth-client-credentials", "secretArn": … }' })
      .describe('How we authenticate to the Table API'),
    webhookSecretArn: secretArn.describe('Secret holding the HMAC key the client\'s business rule signs its calls with (X-Rowe-Itsm-Signature)'),
    tables: z.array(z.enum(['incident', 'change_request'])).min(1).default(() => ['incident' as const]).describe('Tables exchanged'),
    states: completeMap(INCIDENT_STATES, 'state').default(DEFAULT_SERVICENOW_MAPS.states),
    impacts: completeMap(['1', '2', '3'] as const, 'impact').default(DEFAULT_SERVICENOW_MAPS.impacts),
    urgencies: completeMap(['1', '2', '3'] as const, 'urgency').default(DEFAULT_SERVICENOW_MAPS.urgencies),
    priorities: completeMap(PRIORITIES, 'priority').default(DEFAULT_SERVICENOW_MAPS.priorities).describe('Read only: ServiceNow computes its priority from impact and urgency'),
    holdReasons: completeMap(ON_HOLD_REASONS, 'on-hold reason').default(DEFAULT_SERVICENOW_MAPS.holdReasons),
    closeCodes: completeMap(RESOLUTION_CODES, 'resolution code').default(DEFAULT_SERVICENOW_MAPS.closeCodes),
    assignmentGroups: z
      .record(z.string().trim().min(1).max(80), z.string().regex(/^[0-9a-f]{32}$/, 'must be the group\'s sys_id (32 hex digits)'))
      .default(() => ({}))
      .superRefine(uniqueValues('assignment group'))
      .describe('Our assignment group → their sys_user_group sys_id; groups not listed are not exchanged'),
    customFields: z.array(customFieldSchema).max(20).default(() => []).describe('Custom u_* fields, each with its direction and owner side'),
    owner: z.enum(SIDES).default('rowe-itsm').describe('Whose value wins for the standard fields when both sides changed one between two syncs'),
    newRecords: z
      .strictObject({
        service: z.string().trim().min(1).max(80).describe('The catalogue service of incidents raised there first'),
        category: z.string().trim().min(1).max(80).default('software'),
      })
      .describe('What an incident raised in ServiceNow first is logged with here'),
    poll: z
      .strictObject({
        everyMinutes: z.number().int().min(1).max(60).default(5),
        overlapSeconds: z.number().int().min(0).max(3600).default(120).describe('How far before the watermark each poll reads again (clock skew, second precision)'),
      })
      .default(() => ({ everyMinutes: 5, overlapSeconds: 120 }))
      .describe('The reconciliation poll that catches what the business rule did not deliver'),
    knowledge: z
      .strictObject({
        knowledgeBase: sysId.describe('The kb_knowledge_base the articles are published to (its sys_id)'),
        category: sysId.optional().describe('The kb_category they are filed under (its sys_id); without it, none'),
        access: z
          .enum(['client', 'public'])
          .default('client')
          .describe('Who reads that knowledge base: "client" (the client\'s signed-in users: public and client articles) or "public" (anyone: public articles only)'),
      })
      .optional()
      .describe('Publish the knowledge articles its readers may see to the client\'s ServiceNow knowledge base as kb_knowledge records (docs/servicenow.md); never internal ones'),
  })
  .superRefine((settings, ctx) => {
    const fields = settings.customFields.map((f) => f.field);
    fields.forEach((field, i) => {
      if (fields.indexOf(field) !== i) ctx.addIssue({ code: 'custom', path: ['customFields', i, 'field'], message: `"${field}" is listed twice` });
    });
  })
  .describe('Two-way exchange of incidents with the client\'s ServiceNow (docs/servicenow.md)');

export type ServiceNowSettings = z.infer<typeof serviceNowSettingsSchema>;
