import { createHash } from 'node:crypto';
import { bundleOf, generateSite, type SiteArticle } from '../domain';
import { isOpen } from '../../incidents/domain';
import type { OpenMajorIncident, SiteIncident, SiteManifest, SiteSettings, SiteSource, SiteStore } from './ports';

export interface PublishSiteRequest {
  /** When the effect asking for this rebuild was stored: a rebuild started well after it covers it. */
  readonly storedAt?: string;
  /** The article whose change caused it, read consistently, so index lag cannot hide it. */
  readonly trigger?: string;
  /** The incident whose major status changed, read consistently, so index lag cannot hide it. */
  readonly incidentTrigger?: string;
}

export interface PublishSiteDeps {
  readonly source: SiteSource;
  readonly store: SiteStore;
  readonly settings: SiteSettings;
  readonly clock: { now(): Date };
  /** Also keep the whole site as one downloadable zip (client config `selfHelp.bundle`). @default false */
  readonly bundle?: boolean;
}

export interface PublishOutcome {
  /** `covered`: a rebuild that started after the change (and its index lag) already published it. */
  readonly outcome: 'published' | 'covered';
  readonly written: number;
  readonly deleted: number;
  readonly unchanged: number;
}

/**
 * How long after a change a rebuild must have started to be sure it saw it: the published set is
 * read from a secondary index, which DynamoDB updates asynchronously (usually well under a second).
 */
export const INDEX_LAG_MS = 5_000;

/** Files written (or deleted) at once. */
const WRITES_AT_ONCE = 16;

async function inBatches(paths: readonly string[], write: (path: string) => Promise<void>): Promise<void> {
  for (let i = 0; i < paths.length; i += WRITES_AT_ONCE) await Promise.all(paths.slice(i, i + WRITES_AT_ONCE).map(write));
}

/**
 * Rebuilds the whole site from the current published set and writes what changed: files whose
 * content hash differs from the last manifest are written, files no longer generated are deleted,
 * the rest left alone; the manifest goes last. Redelivery is harmless (the same set gives the same
 * files), and an effect stored well before the last rebuild started is skipped (debounced).
 */
export async function publishSite(deps: PublishSiteDeps, request: PublishSiteRequest = {}): Promise<PublishOutcome> {
  const previous = await deps.store.manifest();
  if (request.storedAt !== undefined && previous && Date.parse(previous.startedAt) - Date.parse(request.storedAt) > INDEX_LAG_MS) {
    return { outcome: 'covered', written: 0, deleted: 0, unchanged: 0 };
  }
  const startedAt = deps.clock.now().toISOString();
  const [published, services, openMajor, trigger, incidentTrigger] = await Promise.all([
    deps.source.publishedArticles(),
    deps.source.services(),
    deps.source.openMajorIncidents(),
    request.trigger ? deps.source.article(request.trigger) : Promise.resolve(undefined),
    request.incidentTrigger ? deps.source.incident(request.incidentTrigger) : Promise.resolve(undefined),
  ]);
  const articles: SiteArticle[] = published.filter((a) => a.id !== request.trigger);
  if (trigger) articles.push(trigger);
  const majorIncidentServices = servicesWithMajorIncidents(openMajor, request.incidentTrigger, incidentTrigger);
  const site = generateSite({ ...deps.settings, articles, services, majorIncidentServices });
  const files: Record<string, string> = {};
  const changed: string[] = [];
  for (const [path, file] of site) {
    files[path] = createHash('sha256').update(file.contentType).update('\n').update(file.body).digest('hex');
    if (previous?.files[path] !== files[path]) changed.push(path);
  }
  const removed = Object.keys(previous?.files ?? {}).filter((path) => !site.has(path));
  // The first publish writes every file: several at a time keeps it within the function's timeout.
  await inBatches(changed, (path) => deps.store.put(path, site.get(path)!));
  await inBatches(removed, (path) => deps.store.delete(path));
  const written = changed.length;
  const deleted = removed.length;
  const unchanged = site.size - written;
  // The bundle follows the pages (same hash, nothing rewritten); written before the manifest, like them.
  let bundle: string | undefined;
  if (deps.bundle) {
    const zip = bundleOf(site);
    bundle = createHash('sha256').update(zip).digest('hex');
    if (previous?.bundle !== bundle) await deps.store.putBundle(zip);
  }
  const manifest: SiteManifest = { startedAt, files, ...(bundle && { bundle }) };
  await deps.store.saveManifest(manifest);
  return { outcome: 'published', written, deleted, unchanged };
}

/**
 * The services whose status shows a major incident: the open major incidents the index lists, with
 * the triggering incident taken from its consistent read instead (the index may still list it as
 * open after it was resolved, or not list it yet after it was declared).
 */
export function servicesWithMajorIncidents(openMajor: readonly OpenMajorIncident[], triggerId: string | undefined, trigger: SiteIncident | undefined): string[] {
  const services = new Set(openMajor.filter((i) => i.id !== triggerId).map((i) => i.service));
  if (trigger && trigger.major && isOpen(trigger.state)) services.add(trigger.service);
  return [...services].sort();
}
