import { InvalidInputError, type FieldIssue } from '../../../kernel/domain/domain-errors';
import type { Actor } from '../../../kernel/domain/actor';

/**
 * Configuration items: what the services run on, who supplies it, and how the pieces depend on
 * each other. Every change makes a new version; the previous versions are kept. Pure: no I/O.
 */
export const CI_TYPES = ['hardware', 'software', 'storage', 'persona', 'device', 'supplier'] as const;
export type CiType = (typeof CI_TYPES)[number];

/** `runs-on`: software on hardware; `depends-on`: needs the other CI to work; `supplied-by`: a supplier provides it. */
export const CI_RELATION_KINDS = ['runs-on', 'depends-on', 'supplied-by'] as const;
export type CiRelationKind = (typeof CI_RELATION_KINDS)[number];

export interface CiRelation {
  readonly kind: CiRelationKind;
  /** The other CI's id. */
  readonly ci: string;
}

/** Attributes per type; the request schemas define each type's fields. Only what the domain reads is typed here. */
export interface CiAttributes {
  readonly product?: string;
  readonly version?: string;
  readonly os?: { readonly distribution: string; readonly version: string };
  readonly libraries?: readonly { readonly name: string; readonly version: string }[];
  readonly engine?: string;
  readonly engineVersion?: string;
  readonly [field: string]: unknown;
}

export interface ConfigurationItem {
  readonly id: string;
  readonly type: CiType;
  readonly name: string;
  readonly description?: string;
  readonly attributes: CiAttributes;
  /** Ids of the services that use this CI. */
  readonly services: readonly string[];
  readonly relations: readonly CiRelation[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

export type CiInput = Pick<ConfigurationItem, 'type' | 'name' | 'attributes'> &
  Partial<Pick<ConfigurationItem, 'description' | 'services' | 'relations'>>;
export type CiChanges = Partial<Omit<CiInput, 'type'>> & { readonly type: CiType };

export function newConfigurationItem(id: string, input: CiInput, actor: Actor, now: string): ConfigurationItem {
  const ci: ConfigurationItem = {
    id,
    type: input.type,
    name: input.name,
    ...(input.description !== undefined && { description: input.description }),
    attributes: input.attributes,
    services: dedupe(input.services ?? []),
    relations: dedupeRelations(input.relations ?? []),
    createdAt: now,
    createdBy: actor.name,
    updatedAt: now,
    updatedBy: actor.name,
    version: 1,
  };
  assertValidCi(ci);
  return ci;
}

/** The next version; the type of a CI never changes (a server does not become a supplier). */
/** What an implemented change may record on a CI: its versions, nothing else. */
export interface CiVersionUpdate {
  readonly ci: string;
  readonly attributes: {
    readonly version?: string;
    readonly os?: { readonly distribution: string; readonly version: string };
    readonly libraries?: readonly { readonly name: string; readonly version: string }[];
    readonly securityPatchLevel?: string;
    readonly engineVersion?: string;
  };
}

/** The version attributes each CI type has (see the CI attribute schemas). */
const VERSION_ATTRIBUTES: Readonly<Partial<Record<CiType, readonly string[]>>> = {
  software: ['version', 'os', 'libraries', 'securityPatchLevel'],
  storage: ['engineVersion'],
};

/**
 * The CI's next version with the versions an implemented change installed (lists replaced whole);
 * undefined when it records them already, so a retried step adds no version to the history.
 * `field` names the update in errors (e.g. `ciUpdates.0`).
 */
export function withInstalledVersions(ci: ConfigurationItem, update: CiVersionUpdate, actor: Actor, now: string, field: string): ConfigurationItem | undefined {
  const allowed = VERSION_ATTRIBUTES[ci.type] ?? [];
  const wrong = Object.keys(update.attributes).find((name) => !allowed.includes(name));
  if (wrong) throw new InvalidInputError([{ field: `${field}.attributes.${wrong}`, message: `is not a version of a ${ci.type} CI${allowed.length ? ` (it has: ${allowed.join(', ')})` : ''}` }]);
  const attributes = { ...ci.attributes, ...update.attributes };
  if (JSON.stringify(attributes) === JSON.stringify(ci.attributes)) return undefined;
  return changeConfigurationItem(ci, { type: ci.type, attributes }, actor, now);
}

export function changeConfigurationItem(ci: ConfigurationItem, changes: CiChanges, actor: Actor, now: string): ConfigurationItem {
  if (changes.type !== ci.type) {
    throw new InvalidInputError([{ field: 'type', message: `is ${ci.type} and cannot change; create a new CI of type ${changes.type}` }]);
  }
  const next: ConfigurationItem = {
    ...ci,
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.attributes !== undefined && { attributes: changes.attributes }),
    ...(changes.services !== undefined && { services: dedupe(changes.services) }),
    ...(changes.relations !== undefined && { relations: dedupeRelations(changes.relations) }),
    updatedAt: now,
    updatedBy: actor.name,
    version: ci.version + 1,
  };
  assertValidCi(next);
  return next;
}

function assertValidCi(ci: ConfigurationItem): void {
  const issues: FieldIssue[] = [];
  ci.relations.forEach((relation, i) => {
    if (relation.ci === ci.id) issues.push({ field: `relations.${i}.ci`, message: 'a CI cannot relate to itself' });
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/** Shared platform: a CI that more than one service uses. */
export const isSharedPlatform = (ci: Pick<ConfigurationItem, 'services'>) => ci.services.length > 1;

/** One piece of software a CI runs, for the version inventory ("which services run OpenSSL 3.0.x?"). */
export interface SoftwareInstallation {
  /** As written on the CI, e.g. `OpenSSL`. */
  readonly name: string;
  readonly version: string;
  /** Where on the CI it was found. */
  readonly source: 'product' | 'os' | 'library' | 'engine';
}

/**
 * The software a CI runs, by name and version: a software CI's product, its OS distribution and
 * its libraries; a storage CI's database engine. One entry per name and version.
 */
export function softwareInstallations(ci: Pick<ConfigurationItem, 'type' | 'attributes'>): SoftwareInstallation[] {
  const a = ci.attributes;
  const found: SoftwareInstallation[] = [];
  if (ci.type === 'software') {
    if (a.product && a.version) found.push({ name: a.product, version: a.version, source: 'product' });
    if (a.os) found.push({ name: a.os.distribution, version: a.os.version, source: 'os' });
    for (const library of a.libraries ?? []) found.push({ name: library.name, version: library.version, source: 'library' });
  }
  if (ci.type === 'storage' && a.engine && a.engineVersion) found.push({ name: a.engine, version: a.engineVersion, source: 'engine' });
  const seen = new Set<string>();
  return found.filter((s) => {
    const key = `${normalizeSoftwareName(s.name)}#${s.version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Names are matched without regard to case or spacing: `OpenSSL`, `openssl` and `Open SSL` are one product. */
export const normalizeSoftwareName = (name: string) => name.toLowerCase().replace(/[\s_]+/g, '');

/**
 * A version query as people write it: `3.0.x`, `3.0.*` or `3.0.` all mean "3.0 and any patch"
 * (a prefix ending at a dot, so `3.0` does not also match `3.01`); `3.0.7` means exactly that
 * version and its suffixes (`3.0.7a`).
 */
export function versionPrefix(query: string): string {
  const trimmed = query.trim();
  const wildcard = /^(.*\.)(?:x|\*)$/i.exec(trimmed);
  if (wildcard) return wildcard[1]!;
  return trimmed;
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function dedupeRelations(relations: readonly CiRelation[]): CiRelation[] {
  const seen = new Set<string>();
  return relations.filter((r) => {
    const key = `${r.kind}#${r.ci}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
