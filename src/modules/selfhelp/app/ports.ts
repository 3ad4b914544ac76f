import type { IncidentState } from '../../incidents/domain';
import type { DeskContact, SiteAccess, SiteArticle, SiteFile, SiteService } from '../domain';

/** What the site is built from: the current published set, the catalogue, open major incidents. */
export interface SiteSource {
  /** Every published article (any audience; the generator picks what the site shows). */
  publishedArticles(): Promise<readonly SiteArticle[]>;
  /** One article read consistently (the one whose change triggered the rebuild); undefined if gone. */
  article(id: string): Promise<SiteArticle | undefined>;
  services(): Promise<readonly SiteService[]>;
  /** The open major incidents (read from an index: a change of the last moments may not show yet). */
  openMajorIncidents(): Promise<readonly OpenMajorIncident[]>;
  /** One incident read consistently (the one whose change triggered the rebuild); undefined if gone. */
  incident(id: string): Promise<SiteIncident | undefined>;
}

/** What the site needs of an incident: never its text, only whether its service shows a major incident. */
export interface SiteIncident {
  readonly id: string;
  readonly service: string;
  readonly major: boolean;
  readonly state: IncidentState;
}

export interface OpenMajorIncident {
  readonly id: string;
  readonly service: string;
}

/** What was published last: each file's content hash, and when that rebuild started reading. */
export interface SiteManifest {
  readonly startedAt: string;
  readonly files: Readonly<Record<string, string>>;
  /** The downloadable bundle's content hash, where the client has one. */
  readonly bundle?: string;
}

/** Where the site lives: a bucket in AWS (S3SiteStore), a folder locally (FolderSiteStore). */
export interface SiteStore {
  manifest(): Promise<SiteManifest | undefined>;
  put(path: string, file: SiteFile): Promise<void>;
  delete(path: string): Promise<void>;
  /** The downloadable bundle (a zip), kept beside the pages at BUNDLE_PATH, never served with them. */
  putBundle(body: Uint8Array): Promise<void>;
  /** Written last: a rebuild that fails half-way is redone whole (nothing is skipped on its account). */
  saveManifest(manifest: SiteManifest): Promise<void>;
}

export interface SiteSettings {
  readonly title: string;
  readonly baseUrl: string;
  readonly access: SiteAccess;
  readonly desk: DeskContact;
}
