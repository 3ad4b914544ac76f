import * as z from 'zod';
import { line, text } from '../../../kernel/schemas/text';
import { CI_RELATION_KINDS, CI_TYPES } from '../domain/configuration-item';
import { SERVICE_LINK_KINDS, SERVICE_STATUSES } from '../domain/service-catalogue';
import { REQUEST_TYPES } from '../../changes/domain';
import { isoDurationSchema, recoveryObjectivesSchema } from '../../../config/client-settings-schema';

/**
 * Request and response schemas of the service catalogue and configuration items: the single
 * source for validation, TypeScript types and the OpenAPI description. Values that look like
 * secrets are refused by the domain's secret detector, after these schemas.
 */
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1–128 letters, digits or . _ : @ -');
const date = z.iso.date().describe('YYYY-MM-DD');
const url = z.url({ protocol: /^https?$/ }).max(2000);
const limit = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);
const nextToken = z.string().max(2048).optional();

/** Service ids are chosen by people (`email`, `erp`), short and stable: incidents name services by them. */
export const serviceIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 lowercase letters, digits or hyphens, e.g. email or web-shop');

export const ciIdSchema = z.uuid({ error: 'must be a CI id (UUID)' });

const contact = z.strictObject({
  name: line(120),
  email: z.email(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442071234567').optional(),
  role: line(120).optional(),
});

const owner = contact.extend({ username: reference.describe('The owner\'s login; they may change the service') });

const slaOverride = z.strictObject({ acknowledge: isoDurationSchema.optional(), respond: isoDurationSchema.optional(), resolve: isoDurationSchema.optional() });
const sla = z
  .strictObject({
    reference: line(200).describe("Reference of the client's SLA terms that apply, e.g. MSA-2026 schedule 2"),
    overrides: z
      .strictObject({ P1: slaOverride.optional(), P2: slaOverride.optional(), P3: slaOverride.optional(), P4: slaOverride.optional(), P5: slaOverride.optional() })
      .optional()
      .describe("Targets of this service that differ from the client's, per priority (ISO 8601 durations)"),
  })
  .describe('SLA terms');

const recoveryObjectives = recoveryObjectivesSchema;

const link = z.strictObject({ kind: z.enum(SERVICE_LINK_KINDS), url, title: line(200).optional() });

const serviceContacts = z
  .strictObject({
    nominated: z.array(contact).max(3, 'lists at most three nominated contacts (#1, #2, #3)').default([]).describe("The client's nominated incident contacts #1–#3 for this service, in escalation order; the client's defaults fill the rest"),
    providerNamed: contact.optional().describe('Provider-side named contact'),
    providerBackup: contact.optional().describe("The named contact's backup"),
  })
  .describe('Whom to call about this service');

const requestTypes = z
  .array(
    z.strictObject({
      type: z.enum(REQUEST_TYPES),
      name: line(120).describe('What requesters see, e.g. "Monthly usage report"'),
      fulfilmentTarget: isoDurationSchema.optional().describe("From submission; defaults to the client's target for the type"),
      approvalRequired: z.boolean().optional().describe("Defaults to the client's requests.approvalRequired"),
    }),
  )
  .max(REQUEST_TYPES.length)
  .describe('The requests this service takes, one entry per type; absent: every type on the client\'s targets');

const serviceFields = {
  name: line(120),
  description: text(4000).describe('What the service does, in plain language'),
  owner: owner.describe('The service owner'),
  commencementDate: date.optional(),
  retirementDate: date.optional().describe('Planned retirement, where known'),
  sla,
  links: z.array(link).max(20).default([]).describe('Ticket board, documentation, runbooks'),
  contacts: serviceContacts.default({ nominated: [] }),
  disasterRecoveryPlan: line(500).optional().describe('Reference of the disaster-recovery plan'),
  recoveryObjectives: recoveryObjectives.optional().describe("The service's RTO and RPO; the client's where absent"),
  requestTypes: requestTypes.optional(),
};

export const createServiceBodySchema = z
  .strictObject({
    id: serviceIdSchema.describe('The id incidents name the service by'),
    status: z.enum(['pipeline', 'live']).default('pipeline').describe('A new service is in the pipeline or live; retire it with POST /services/{id}/retire'),
    ...serviceFields,
  })
  .describe('A new service');
export type CreateServiceBody = z.infer<typeof createServiceBodySchema>;

export const updateServiceBodySchema = z
  .strictObject({
    status: z.literal('live').optional().describe('pipeline → live; retiring has its own route'),
    name: serviceFields.name.optional(),
    description: serviceFields.description.optional(),
    owner: owner.optional().describe('Admins only'),
    commencementDate: date.optional(),
    retirementDate: date.optional(),
    sla: sla.optional(),
    links: z.array(link).max(20).optional(),
    contacts: serviceContacts.optional(),
    disasterRecoveryPlan: line(500).optional(),
    recoveryObjectives: recoveryObjectives.optional(),
    requestTypes: requestTypes.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' })
  .describe('Changes to a service; send only the fields that change (lists and objects are replaced whole)');
export type UpdateServiceBody = z.infer<typeof updateServiceBodySchema>;

export const retireServiceBodySchema = z
  .strictObject({
    reason: text(2000),
    retirementDate: date.optional().describe('Defaults to today'),
  })
  .describe('Retire a service: it stays in the catalogue, new incidents on it are refused');

export const listServicesQuerySchema = z.strictObject({
  status: z.enum(SERVICE_STATUSES).optional(),
  owner: reference.optional().describe("The owner's username; `me` for the caller"),
  limit: limit(25),
  nextToken,
});
export type ListServicesQuery = z.infer<typeof listServicesQuerySchema>;

export const serviceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(SERVICE_STATUSES),
    description: z.string().optional(),
    owner: owner.optional(),
    commencementDate: z.string().optional(),
    retirementDate: z.string().optional(),
    retirementReason: z.string().optional(),
    sla: sla.optional(),
    links: z.array(link).optional(),
    contacts: serviceContacts.optional(),
    disasterRecoveryPlan: z.string().optional(),
    recoveryObjectives: recoveryObjectives.optional(),
    requestTypes: requestTypes.optional(),
    createdAt: z.string().optional(),
    createdBy: z.string().optional(),
    updatedAt: z.string().optional(),
    updatedBy: z.string().optional(),
    version: z.number().int().optional(),
  })
  .describe('A service; requesters and machine clients see id, name, status and request types only');

export const servicePageSchema = z.object({ items: z.array(serviceSchema), nextToken: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Configuration items: attributes per type, a discriminated union on `type`.

const version = z.string().trim().min(1).max(64).regex(/^[^\s#]+$/, 'must be a version without spaces or #, e.g. 3.0.13');
const softwareName = line(120).regex(/^[^#]+$/, 'must not contain #');
/** Free-form name/value pairs; names like password/secret/token must hold references (checked by the secret detector). */
const properties = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be a property name'), z.string().max(2000))
  .refine((record) => Object.keys(record).length <= 50, { message: 'holds at most 50 properties' })
  .optional()
  .describe('Other facts as name → value; secrets only as references (vault://… or a Secrets Manager ARN)');

/** The version attributes an implemented change may record on a CI (withInstalledVersions). */
export const ciVersionAttributesSchema = z
  .strictObject({
    version: version.optional(),
    os: z.strictObject({ distribution: softwareName, version }).optional(),
    libraries: z.array(z.strictObject({ name: softwareName, version })).max(25).optional(),
    securityPatchLevel: line(120).optional(),
    engineVersion: version.optional(),
  })
  .refine((a) => Object.keys(a).length > 0, { message: 'must name at least one version' });

export const hardwareAttributesSchema = z.strictObject({
  kind: z.enum(['physical-server', 'virtual-machine', 'cloud-instance', 'network', 'other']),
  hostname: line(255).optional(),
  cpus: z.number().int().min(1).max(4096).optional(),
  memoryGiB: z.number().min(0).max(65536).optional(),
  diskGiB: z.number().min(0).max(10_000_000).optional(),
  model: line(200).optional(),
  cloudProvider: z.enum(['aws', 'azure', 'gcp', 'oracle', 'on-premises', 'other']).optional(),
  region: line(64).optional(),
  instanceType: line(64).optional(),
  properties,
});
export const softwareAttributesSchema = z.strictObject({
  product: softwareName.describe('e.g. nginx, Microsoft 365, SAP S/4HANA'),
  version,
  vendor: line(120).optional(),
  os: z.strictObject({ distribution: softwareName, version }).optional().describe('Operating system, e.g. Ubuntu 22.04'),
  libraries: z.array(z.strictObject({ name: softwareName, version })).max(25).default([]).describe('e.g. OpenSSL 3.0.13'),
  securityPatchLevel: line(120).optional(),
  licence: line(200).optional(),
  properties,
});
export const storageAttributesSchema = z.strictObject({
  engine: softwareName.describe('Database or storage vendor/product, e.g. PostgreSQL, Amazon S3'),
  engineVersion: version.optional(),
  volumes: z.array(z.strictObject({ name: line(120), sizeGiB: z.number().min(0).max(10_000_000), encrypted: z.boolean().optional() })).max(50).default([]),
  backup: z.strictObject({ strategy: line(500), schedule: line(200).optional(), retentionDays: z.number().int().min(1).max(36500).optional() }).optional(),
  replication: line(500).optional().describe('e.g. synchronous standby in a second availability zone'),
  properties,
});
export const personaAttributesSchema = z.strictObject({
  role: line(200).describe('e.g. database administrator, on-call engineer'),
  team: line(200).optional(),
  email: z.email().optional(),
  properties,
});
export const deviceAttributesSchema = z.strictObject({
  kind: z.enum(['laptop', 'desktop', 'mobile', 'tablet', 'printer', 'network', 'iot', 'other']),
  model: line(200).optional(),
  serialNumber: line(120).optional(),
  assignedTo: reference.optional(),
  properties,
});
export const supplierAttributesSchema = z.strictObject({
  supplier: line(200).describe('The supplier, e.g. DigiCert'),
  supplies: z.array(line(200)).min(1).max(20).describe('What they supply, e.g. TLS certificates'),
  contractReference: line(200).optional(),
  contact: contact.optional(),
  properties,
});

const ATTRIBUTES = {
  hardware: hardwareAttributesSchema,
  software: softwareAttributesSchema,
  storage: storageAttributesSchema,
  persona: personaAttributesSchema,
  device: deviceAttributesSchema,
  supplier: supplierAttributesSchema,
} as const;

const relation = z.strictObject({ kind: z.enum(CI_RELATION_KINDS), ci: ciIdSchema });
const ciCommon = {
  name: line(200),
  description: text(4000).optional(),
  services: z.array(serviceIdSchema).max(20).default([]).describe('Ids of the services that use this CI'),
  relations: z.array(relation).max(20).default([]).describe('runs-on, depends-on, supplied-by another CI'),
};

const ciBody = <T extends (typeof CI_TYPES)[number]>(type: T) =>
  z.strictObject({ type: z.literal(type), ...ciCommon, attributes: ATTRIBUTES[type] });
export const createCiBodySchema = z
  .discriminatedUnion('type', [ciBody('hardware'), ciBody('software'), ciBody('storage'), ciBody('persona'), ciBody('device'), ciBody('supplier')])
  .describe('A new configuration item; attributes depend on type');
export type CreateCiBody = z.infer<typeof createCiBodySchema>;

const ciChange = <T extends (typeof CI_TYPES)[number]>(type: T) =>
  z.strictObject({
    type: z.literal(type).describe("The CI's type, which never changes; it says which attributes apply"),
    name: ciCommon.name.optional(),
    description: ciCommon.description,
    services: z.array(serviceIdSchema).max(20).optional(),
    relations: z.array(relation).max(20).optional(),
    attributes: ATTRIBUTES[type].optional(),
  });
export const updateCiBodySchema = z
  .discriminatedUnion('type', [ciChange('hardware'), ciChange('software'), ciChange('storage'), ciChange('persona'), ciChange('device'), ciChange('supplier')])
  .describe('Changes to a CI: its type, and only the fields that change (attributes, services and relations are replaced whole)');
export type UpdateCiBody = z.infer<typeof updateCiBodySchema>;

export const listCisQuerySchema = z.strictObject({
  type: z.enum(CI_TYPES).describe('Every CI of this type, by name'),
  limit: limit(25),
  nextToken,
});
export const pageQuerySchema = z.strictObject({ limit: limit(25), nextToken });
export const softwareQuerySchema = z.strictObject({
  name: softwareName.describe('Software name, any case, e.g. openssl'),
  version: z.string().trim().min(1).max(64).regex(/^[^\s#]+$/, 'must be a version or prefix, e.g. 3.0.x').optional().describe('Version prefix: 3.0.x (or 3.0.) for any 3.0 patch; omitted for every version'),
  limit: limit(25),
  nextToken,
});

export const ciSchema = z
  .object({
    id: z.string(),
    type: z.enum(CI_TYPES),
    name: z.string(),
    description: z.string().optional(),
    attributes: z.record(z.string(), z.unknown()),
    services: z.array(z.string()),
    relations: z.array(relation),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    version: z.number().int(),
  })
  .describe('A configuration item');
export const ciPageSchema = z.object({ items: z.array(ciSchema), nextToken: z.string().optional() });

export const softwareInventoryPageSchema = z.object({
  items: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      source: z.enum(['product', 'os', 'library', 'engine']),
      ci: z.object({ id: z.string(), name: z.string(), type: z.enum(CI_TYPES) }),
      services: z.array(z.string()),
    }),
  ),
  nextToken: z.string().optional(),
});
export const serviceCisPageSchema = z.object({
  items: z.array(
    z.object({ id: z.string(), type: z.enum(CI_TYPES), name: z.string(), relations: z.array(relation).describe("The CI's dependencies: what it runs on, depends on, is supplied by") }),
  ),
  nextToken: z.string().optional(),
});
export const sharedPlatformPageSchema = z.object({
  items: z.array(z.object({ id: z.string(), type: z.enum(CI_TYPES), name: z.string(), services: z.array(z.string()) })),
  nextToken: z.string().optional(),
});
