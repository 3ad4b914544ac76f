import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SiteManifest, SiteStore } from '../app/ports';
import { BUNDLE_PATH, type SiteFile } from '../domain';
import { MANIFEST_FILE } from './folder-site-store';

/**
 * The site in its S3 bucket (served by CloudFront through origin access control): PutObject of
 * changed files with their content type and a short cache lifetime, DeleteObject of removed ones,
 * and the manifest (content hashes) that tells the next rebuild what changed.
 */
export class S3SiteStore implements SiteStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async manifest(): Promise<SiteManifest | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: MANIFEST_FILE }));
      return JSON.parse(await result.Body!.transformToString('utf-8')) as SiteManifest;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(path: string, file: SiteFile): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: path,
        Body: file.body,
        ContentType: file.contentType,
        // A published change shows within a minute at the edge.
        CacheControl: 'public, max-age=60',
      }),
    );
  }

  async delete(path: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: path }));
  }

  async putBundle(body: Uint8Array): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: BUNDLE_PATH, Body: body, ContentType: 'application/zip', ContentDisposition: 'attachment; filename="help-site.zip"', CacheControl: 'no-store' }),
    );
  }

  async saveManifest(manifest: SiteManifest): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: MANIFEST_FILE, Body: JSON.stringify(manifest), ContentType: 'application/json', CacheControl: 'no-store' }));
  }
}
