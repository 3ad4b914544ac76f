import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { ROLES } from '../kernel/domain/access-policy';
import * as z from 'zod';
import { clientSettingsSchema } from './client-settings-schema';
import { createServiceBodySchema } from '../modules/catalogue/schemas/catalogue-schemas';

export type { Contact } from './client-settings-schema';

/**
 * The one schema for a client file in clients/. It extends the run-time settings the functions
 * read (priority matrix, SLA targets, time zone) with what only the deployment needs.
 */
/** An IPv4 or IPv6 CIDR block AWS WAF accepts in an IP set (any prefix but /0). */
export function cidrProblem(value: string): string | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return 'must be a CIDR block such as 203.0.113.0/24 (an address, "/", a prefix length)';
  const [, address, prefixText] = match;
  const prefix = Number(prefixText);
  const version = isIP(address!);
  if (version === 0) return `"${address}" is not an IPv4 or IPv6 address`;
  const max = version === 4 ? 32 : 128;
  if (prefix < 1 || prefix > max) return `prefix /${prefix} must be between /1 and /${max} (AWS WAF refuses /0)`;
  return undefined;
}

/**
 * CloudFront accepts RSA 2048-bit (or ECDSA P-256) public keys for signed cookies; the site signs
 * with RSA-SHA256, so an RSA 2048 key in PEM (SubjectPublicKeyInfo) is what the stack takes.
 */
export function sitePublicKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'is not a PEM public key ("-----BEGIN PUBLIC KEY-----" …; see README "Self-help site behind the sign-in")';
  }
  if (key.asymmetricKeyType !== 'rsa') return `is a ${key.asymmetricKeyType} key; CloudFront signed cookies here need an RSA 2048-bit key`;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== 2048) return `is an RSA ${bits}-bit key; CloudFront accepts RSA 2048-bit keys only`;
  return undefined;
}

/** Roles that may read a client site: people's groups (never the machine role). */
const SITE_READER_ROLES = ROLES.filter((role) => role !== 'integration');

const siteSignInSchema = z
  .object({
    publicKeyPem: z
      .string()
      .superRefine((pem, ctx) => {
        const problem = sitePublicKeyProblem(pem);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('The public half of the site\'s signing key pair (RSA 2048, PEM, newlines as \\n); the private half goes into the stack\'s secret (output SelfHelpSigningKeySecretArn)'),
    hostedUiDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits and hyphens (the Cognito domain https://<prefix>.auth.<region>.amazoncognito.com)')
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'may not contain "aws", "amazon" or "cognito" (Cognito refuses them)')
      .describe("The prefix of the user pool's sign-in domain (Cognito's hosted UI)"),
    readerRoles: z
      .array(z.enum(SITE_READER_ROLES))
      .min(1)
      .default(['requester', 'client-approver'])
      .describe('Groups whose members may read the site once signed in'),
    sessionMinutes: z.number().int().min(5).max(720).default(60).describe('How long a sign-in lasts (the signed cookies\' policy expiry)'),
  })
  .strict();

/** The deployment configurations a client may pick for its canary releases (CodeDeploy's predefined Lambda ones). */
export const DEPLOYMENT_CONFIGS = [
  'CANARY_10PERCENT_5MINUTES',
  'CANARY_10PERCENT_10MINUTES',
  'CANARY_10PERCENT_15MINUTES',
  'CANARY_10PERCENT_30MINUTES',
  'LINEAR_10PERCENT_EVERY_1MINUTE',
  'LINEAR_10PERCENT_EVERY_2MINUTES',
  'LINEAR_10PERCENT_EVERY_3MINUTES',
  'LINEAR_10PERCENT_EVERY_10MINUTES',
  'ALL_AT_ONCE',
] as const;
export type DeploymentConfigName = (typeof DEPLOYMENT_CONFIGS)[number];
export const DEFAULT_DEPLOYMENT_CONFIG: DeploymentConfigName = 'CANARY_10PERCENT_5MINUTES';

const privateAccess = z
  .object({
    mode: z.literal('private'),
    vpcEndpointIds: z
      .array(z.string().regex(/^vpce-[0-9a-f]{8,17}$/, 'must be an interface VPC endpoint id such as vpce-0123456789abcdef0'))
      .min(1, 'must name at least one VPC endpoint: with none, nobody could reach the API')
      .describe('Interface VPC endpoints (com.amazonaws.<region>.execute-api) allowed to invoke the API; every other source is denied'),
  })
  .strict()
  .describe('A PRIVATE endpoint, reachable only through the listed VPC endpoints');
const vpnAccess = z
  .object({
    mode: z.literal('vpn'),
    allowedCidrs: z
      .array(
        z.string().superRefine((value, ctx) => {
          const problem = cidrProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .min(1, 'must list at least one CIDR block: with none, AWS WAF would block every request')
      .max(1000)
      .describe('Source address ranges (the VPN\'s egress) allowed to reach the API; AWS WAF blocks every other address'),
  })
  .strict()
  .describe('A regional endpoint that AWS WAF opens only to the listed source addresses');

const awsRegion = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region code such as eu-west-2');

/** The tables a recovery region replicates, by the short name their physical names end with. */
export const REPLICATED_TABLES = ['incidents', 'idempotency', 'events', 'audit', 'catalogue', 'problems', 'changes', 'oncall'] as const;
export type ReplicatedTable = (typeof REPLICATED_TABLES)[number];

const codeSigning = z
  .object({
    signingProfileVersionArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:signer:[a-z0-9-]+:\d{12}:\/signing-profiles\/[A-Za-z0-9_]{2,64}\/[A-Za-z0-9]{10}$/,
        'must be an AWS Signer profile version ARN such as arn:aws:signer:eu-west-2:111111111111:/signing-profiles/RoweItsm/AbCdEf1234',
      )
      .optional()
      .describe('The AWS Signer profile version the release pipeline signs with; when absent the stack creates a profile (platform AWSLambda-SHA384-ECDSA)'),
  })
  .strict()
  .describe('Code signing: every function refuses code not signed by the profile (UntrustedArtifactOnDeployment: Enforce)');

const recovery = z
  .object({
    region: awsRegion.describe('The recovery region: one of allowedRegions, not the primary region'),
    promoted: z
      .boolean()
      .default(false)
      .describe('false (passive): the recovery stack serves requests but its schedules, event rules and stream consumer are off; true after a fail-over (docs/disaster-recovery.md)'),
    incidentsStreamArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[\w.-]+\/stream\/[\w.:-]+$/, 'must be a DynamoDB stream ARN (aws dynamodb describe-table --query Table.LatestStreamArn)')
      .optional()
      .describe("The incidents replica's stream in the recovery region, read once the replica exists; the recovery stack's outbox consumer reads it when promoted"),
    tableNames: z
      .object(Object.fromEntries(REPLICATED_TABLES.map((t) => [t, z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name').optional()])) as Record<ReplicatedTable, z.ZodOptional<z.ZodString>>)
      .strict()
      .default({})
      .describe("Physical table names, only for tables created before disaster recovery was turned on (they keep their names); default rowe-itsm-<client>-<table>"),
  })
  .strict()
  .describe('Disaster recovery: the tables become global tables with a replica in this region, and a passive stack Itsm-<client>-dr can serve them there');

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
    releases: z
      .object({
        deploymentConfig: z
          .enum(DEPLOYMENT_CONFIGS, { error: `must be one of ${DEPLOYMENT_CONFIGS.join(', ')}` })
          .default(DEFAULT_DEPLOYMENT_CONFIG)
          .describe('How CodeDeploy shifts traffic from a function\'s live version to the new one (rolled back on its alarms)'),
        codeSigning: codeSigning.optional(),
      })
      .strict()
      .default({ deploymentConfig: DEFAULT_DEPLOYMENT_CONFIG })
      .describe('Safe releases: every function runs behind its `live` alias and deploys shift traffic through CodeDeploy'),
    recovery: recovery.optional(),
    api: z
      .object({
        access: z
          .union([z.literal('public'), z.discriminatedUnion('mode', [privateAccess, vpnAccess])], {
            error: 'must be "public", { "mode": "private", "vpcEndpointIds": [...] } or { "mode": "vpn", "allowedCidrs": [...] }',
          })
          .default('public')
          .describe('Who may reach the API: "public" (default), a private endpoint, or a VPN\'s addresses only'),
        customDomain: z
          .object({
            domainName: z
              .string()
              .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case DNS name, e.g. itsm.example.com')
              .describe('The name the API is served at, e.g. itsm.example.com'),
            certificateArn: z
              .string()
              .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'must be an ACM certificate ARN')
              .describe('An ACM certificate in the stack\'s region that covers the domain name'),
          })
          .strict()
          .optional()
          .describe('Serve the API at this domain only (TLS 1.2 or later); the default execute-api endpoint is then disabled'),
        throttle: z
          .object({
            rateLimit: z.number().int().min(1).max(10_000).default(50).describe('Steady-state requests per second for the whole API'),
            burstLimit: z.number().int().min(1).max(5_000).default(100).describe('Requests the API absorbs at once above the steady rate'),
          })
          .strict()
          .default({ rateLimit: 50, burstLimit: 100 })
          .describe("This client's usage plan: the stage's throttle"),
      })
      .strict()
      .default({ access: 'public', throttle: { rateLimit: 50, burstLimit: 100 } })
      .describe('How the REST API is reached'),
    selfHelp: z
      .object({
        site: z
          .object({
            enabled: z.boolean().default(false).describe('Build the self-help site: an S3 bucket served by CloudFront, rebuilt as articles change'),
            access: z
              .enum(['public', 'client'], { error: 'must be "public" (anyone; public articles) or "client" (signed-in client users; client and public articles)' })
              .default('public')
              .describe('Who reads it: "public" (anyone; public articles only) or "client" (the client\'s signed-in users; client and public articles)'),
            signIn: siteSignInSchema.optional().describe('With access "client": how users sign in to read the site (required then, refused otherwise)'),
            domainName: z
              .string()
              .regex(/^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lowercase DNS name such as help.example.com')
              .optional()
              .describe('The address users open (with certificateArn); without it, the distribution\'s own cloudfront.net name'),
            certificateArn: z
              .string()
              .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates there)')
              .optional()
              .describe('The certificate of domainName; with it, viewers need TLS 1.2 or later'),
          })
          .strict()
          .refine((site) => (site.domainName === undefined) === (site.certificateArn === undefined), {
            message: 'domainName and certificateArn go together',
            path: ['certificateArn'],
          })
          .default({ enabled: false, access: 'public' }),
        bundle: z
          .strictObject({
            enabled: z.boolean().describe('Every rebuild of the site also keeps it whole as one zip, fetched by knowledge managers through GET /knowledge/site-bundle'),
          })
          .optional()
          .describe('A downloadable static bundle of the site, for the client to host anywhere'),
      })
      .strict()
      .refine((selfHelp) => !selfHelp.bundle?.enabled || selfHelp.site.enabled, {
        message: 'the bundle is built with the site: set selfHelp.site.enabled too',
        path: ['bundle', 'enabled'],
      })
      .default({ site: { enabled: false, access: 'public' } })
      .describe("Self-help for the client's users: the published knowledge site"),
    services: z
      .array(createServiceBodySchema)
      .max(100)
      .optional()
      .describe('An example catalogue the local runtime (npm start) creates when these service ids are missing; on AWS, services are created through POST /services'),
  })
  .superRefine((config, ctx) => {
    if (!config.contacts.informationSecurityManager) {
      ctx.addIssue({
        code: 'custom',
        path: ['contacts', 'informationSecurityManager'],
        message: "is required: the provider's Information Security Manager is told of every security incident (ISO 27001 A.5.24)",
      });
    }
    const ids = (config.services ?? []).map((s) => s.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['services', i, 'id'], message: `"${id}" is listed twice` });
    });
    // The stack puts the health alarms' rule first (src/kernel/infra/itsm-health-alarms.ts): one place is kept for it.
    if (config.monitoring.alarmRules.length > 99) {
      ctx.addIssue({ code: 'custom', path: ['monitoring', 'alarmRules'], message: 'at most 99 rules: the stack adds the health alarms\' rule first' });
    }
    if (config.api.customDomain && typeof config.api.access === 'object' && config.api.access.mode === 'private') {
      ctx.addIssue({ code: 'custom', path: ['api', 'customDomain'], message: 'a private API is reached through its VPC endpoints; a custom domain needs a public (or VPN) API' });
    }
    const site = config.selfHelp.site;
    if (site.access === 'client' && !site.signIn) {
      ctx.addIssue({ code: 'custom', path: ['selfHelp', 'site', 'signIn'], message: 'is required with access "client": the public key and the sign-in domain' });
    }
    if (site.access === 'client' && !site.domainName) {
      ctx.addIssue({
        code: 'custom',
        path: ['selfHelp', 'site', 'domainName'],
        message:
          'is required with access "client" (with certificateArn): the sign-in\'s callback address must be known before the distribution exists (the sign-in function, the API and the distribution depend on each other otherwise)',
      });
    }
    if (site.access === 'public' && site.signIn) {
      ctx.addIssue({ code: 'custom', path: ['selfHelp', 'site', 'signIn'], message: 'is only for access "client": a public site has no sign-in' });
    }
    if (site.enabled && site.access === 'client' && config.api.access !== 'public') {
      ctx.addIssue({
        code: 'custom',
        path: ['selfHelp', 'site', 'access'],
        message: 'a site behind the sign-in needs api.access "public": the sign-in completes in the API, which CloudFront reaches over the internet',
      });
    }
    if (!config.allowedRegions.includes(config.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: `"${config.region}" is not in allowedRegions [${config.allowedRegions.join(', ')}]`,
      });
    }
    if (config.recovery) {
      const { region, promoted, incidentsStreamArn } = config.recovery;
      if (!config.allowedRegions.includes(region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['recovery', 'region'],
          message: `"${region}" is not in allowedRegions [${config.allowedRegions.join(', ')}]: the client's data may not be replicated there`,
        });
      }
      if (region === config.region) {
        ctx.addIssue({ code: 'custom', path: ['recovery', 'region'], message: `must differ from region "${config.region}": a replica in the same region survives no regional outage` });
      }
      if (promoted && !incidentsStreamArn) {
        ctx.addIssue({ code: 'custom', path: ['recovery', 'incidentsStreamArn'], message: "is required when promoted: the promoted stack's outbox consumer reads the incidents replica's stream" });
      }
      if (incidentsStreamArn && incidentsStreamArn.split(':')[3] !== region) {
        ctx.addIssue({ code: 'custom', path: ['recovery', 'incidentsStreamArn'], message: `must be a stream in the recovery region ${region}` });
      }
    }
  });

export type ClientConfig = z.infer<typeof clientConfigSchema>;
