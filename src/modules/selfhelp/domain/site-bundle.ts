import { zipSync } from 'fflate';
import type { Site } from './site-generator';

/** Where the bundle is kept beside the pages (the distribution never serves this prefix). */
export const BUNDLE_PATH = '_bundle/site.zip';

/** Every entry's time: the same site gives the same bytes (a rebuild that changed nothing rewrites nothing). */
const ENTRY_TIME = new Date('2000-01-01T00:00:00Z');

/**
 * The whole site as one zip a client can host anywhere (issue 22, item 3): every file the
 * generator made (pages, stylesheet and scripts, search index, feeds, sitemap) at its path, so
 * unpacked into a web server's folder it is the site. Built from the generated files alone, so it
 * holds exactly what the site shows and nothing else.
 */
export function bundleOf(site: Site): Uint8Array {
  const encoder = new TextEncoder();
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const path of [...site.keys()].sort()) entries[path] = [encoder.encode(site.get(path)!.body), { mtime: ENTRY_TIME }];
  return zipSync(entries, { level: 6 });
}
