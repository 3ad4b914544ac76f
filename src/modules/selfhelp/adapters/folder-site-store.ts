import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { SiteManifest, SiteStore } from '../app/ports';
import { BUNDLE_PATH, type SiteFile } from '../domain';

export const MANIFEST_FILE = '_manifest.json';

/**
 * The site in a folder (the local runtime serves it at /help/; a downloadable bundle is this folder).
 * Each file is written to a temporary name and renamed, so a reader never sees half a page.
 */
export class FolderSiteStore implements SiteStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async manifest(): Promise<SiteManifest | undefined> {
    try {
      return JSON.parse(await readFile(this.pathOf(MANIFEST_FILE), 'utf8')) as SiteManifest;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(path: string, file: SiteFile): Promise<void> {
    await this.write(path, file.body);
  }

  async delete(path: string): Promise<void> {
    await rm(this.pathOf(path), { force: true });
  }

  async putBundle(body: Uint8Array): Promise<void> {
    await this.write(BUNDLE_PATH, body);
  }

  async saveManifest(manifest: SiteManifest): Promise<void> {
    await this.write(MANIFEST_FILE, JSON.stringify(manifest));
  }

  private async write(path: string, body: string | Uint8Array): Promise<void> {
    const target = this.pathOf(path);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, target);
  }

  /** Paths come from the generator; one that would leave the folder is refused all the same. */
  private pathOf(path: string): string {
    const full = resolve(join(this.root, path));
    if (!full.startsWith(this.root + sep)) throw new Error(`${path} is outside the site folder`);
    return full;
  }
}
