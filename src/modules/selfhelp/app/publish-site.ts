import { createHash } from 'node:crypto';
import { generateSite, type SiteArticle } from '../domain';
import type { SiteManifest, SiteSettings, SiteSource, SiteStore } from './ports';

export interface PublishSiteDeps {
  readonly source: SiteSource;
  readonly store: SiteStore;
  readonly settings: SiteSettings;
  readonly clock: { now(): Date };
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

/**
 * Rebuilds the whole site from the current published set and writes what changed: files whose
 * content hash differs from the last manifest are written, files no longer generated are deleted,
 * the rest left alone; the manifest goes last. Redelivery is harmless (the same set gives the same
 * files), and an effect stored well before the last rebuild started is skipped (debounced).
 * `trigger`: the article whose change caused it, read consistently, so index lag cannot hide it.
 */
export async function publishSite(deps: PublishSiteDeps, request: { readonly storedAt?: string; readonly trigger?: string } = {}): Promise<PublishOutcome> {
  const previous = await deps.store.manifest();
  if (request.storedAt !== undefined && previous && Date.parse(previous.startedAt) - Date.parse(request.storedAt) > INDEX_LAG_MS) {
    return { outcome: 'covered', written: 0, deleted: 0, unchanged: 0 };
  }
  const startedAt = deps.clock.now().toISOString();
  const [published, services, majorIncidentServices, trigger] = await Promise.all([
    deps.source.publishedArticles(),
    deps.source.services(),
    deps.source.majorIncidentServices(),
    request.trigger ? deps.source.article(request.trigger) : Promise.resolve(undefined),
  ]);
  const articles: SiteArticle[] = published.filter((a) => a.id !== request.trigger);
  if (trigger) articles.push(trigger);
  const site = generateSite({ ...deps.settings, articles, services, majorIncidentServices });
  const files: Record<string, string> = {};
  let written = 0;
  let unchanged = 0;
  for (const [path, file] of site) {
    const hash = createHash('sha256').update(file.contentType).update('\n').update(file.body).digest('hex');
    files[path] = hash;
    if (previous?.files[path] === hash) {
      unchanged++;
      continue;
    }
    await deps.store.put(path, file);
    written++;
  }
  let deleted = 0;
  for (const path of Object.keys(previous?.files ?? {})) {
    if (site.has(path)) continue;
    await deps.store.delete(path);
    deleted++;
  }
  const manifest: SiteManifest = { startedAt, files };
  await deps.store.saveManifest(manifest);
  return { outcome: 'published', written, deleted, unchanged };
}
