import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnchoredHead, ChainAnchor } from '../../src/modules/audit/app/ports';
import { parseAnchoredHead } from '../../src/modules/audit/adapters/s3-chain-anchor';

/**
 * Stands in for the S3 Object Lock bucket that anchors the audit chain head: each write appends a
 * version (one JSON line) and nothing is ever rewritten or removed, as Object Lock keeps every
 * version; `latest` is the last version written, as a GET of the object returns.
 */
export class FileChainAnchor implements ChainAnchor {
  constructor(private readonly path: string) {}

  async write(head: AnchoredHead): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify({ sequence: head.sequence, hash: head.hash, recordKey: head.recordKey, mac: head.mac })}\n`);
  }

  async latest(): Promise<AnchoredHead | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const versions = text.split('\n').filter((line) => line.trim().length > 0);
    return versions.length === 0 ? undefined : parseAnchoredHead(versions[versions.length - 1]!);
  }
}
