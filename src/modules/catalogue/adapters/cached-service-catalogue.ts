import type { Service } from '../domain/service-catalogue';
import type { ServiceCatalogue } from '../app/ports';

/** How long a container trusts a service it has read: a service retired meanwhile is still accepted for at most this long. */
export const SERVICE_CACHE_TTL_MS = 30_000;

/**
 * The catalogue's service look-up, kept per container for a short time (README, "The incident
 * write path"): logging incidents on a warm container reads no catalogue item. An unknown service
 * is kept too (so a misspelt id does not cost a GetItem per retry), and so is a look-up in flight,
 * shared by concurrent requests. A failed look-up is not kept. Retiring a service takes effect in
 * every container within `ttlMs`.
 */
export class CachedServiceCatalogue implements ServiceCatalogue {
  private readonly entries = new Map<string, { readonly until: number; readonly service: Promise<Service | undefined> }>();

  constructor(
    private readonly catalogue: ServiceCatalogue,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = SERVICE_CACHE_TTL_MS,
    /** Services kept at most (least recently read dropped first). */
    private readonly maxEntries = 500,
  ) {}

  getService(id: string): Promise<Service | undefined> {
    const at = this.now();
    const cached = this.entries.get(id);
    if (cached && cached.until > at) return cached.service;
    const service = this.catalogue.getService(id);
    this.entries.delete(id);
    this.entries.set(id, { until: at + this.ttlMs, service });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    service.catch(() => {
      if (this.entries.get(id)?.service === service) this.entries.delete(id);
    });
    return service;
  }
}
