import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BUNDLE_PATH } from '../domain';

export interface BundleLink {
  readonly url: string;
  readonly expiresAt: string;
}

/** How long a download link works: enough to start the download, too short to pass around. */
export const BUNDLE_LINK_SECONDS = 300;

/**
 * The bundle in the site bucket, handed out as a pre-signed GetObject URL (signed with the
 * function's own role, which may read that one object; the distribution may not). Undefined when
 * no rebuild has made it yet (HeadObject: 404, or 403 without ListBucket).
 */
export class S3BundleLinks {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly clock: { now(): Date },
  ) {}

  async link(): Promise<BundleLink | undefined> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: BUNDLE_PATH }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || status === 403) return undefined;
      throw error;
    }
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: BUNDLE_PATH, ResponseContentDisposition: 'attachment; filename="help-site.zip"' });
    const url = await getSignedUrl(this.s3, command, { expiresIn: BUNDLE_LINK_SECONDS });
    return { url, expiresAt: new Date(this.clock.now().getTime() + BUNDLE_LINK_SECONDS * 1000).toISOString() };
  }
}

/** The bundle in the local runtime's site folder, downloaded from the local server (`url`: its path there, made absolute by the route). */
export class FolderBundleLinks {
  constructor(
    private readonly dir: string,
    private readonly url: string,
    private readonly clock: { now(): Date },
  ) {}

  async link(): Promise<BundleLink | undefined> {
    try {
      await stat(join(this.dir, BUNDLE_PATH));
    } catch {
      return undefined;
    }
    return { url: this.url, expiresAt: new Date(this.clock.now().getTime() + BUNDLE_LINK_SECONDS * 1000).toISOString() };
  }
}
