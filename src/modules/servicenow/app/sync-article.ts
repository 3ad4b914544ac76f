import { createHash } from 'node:crypto';
import { findSecrets } from '../../../kernel/domain/secret-detector';
import { isOnSite, renderMarkdown, type SiteAccess, type SiteArticle } from '../../selfhelp/domain';
import { underLease, type LeaseDeps } from './lease';
import type { ServiceNowRecord, ServiceNowTable, SyncState, SyncStore } from './ports';

/**
 * Knowledge published to the client's own ServiceNow knowledge base (issue 22, item 3): each
 * article its readers may see is one `kb_knowledge` record there, created, updated and retired by
 * the servicenow-kb-sync effect. What may leave is the self-help site's rule (isOnSite, by who reads
 * that knowledge base) and only what the site shows of an article: its title, its body rendered to
 * HTML by the site's renderer (text escaped, no links), and its tags as search keywords; never
 * internal articles, drafts or anything but those fields, and nothing the secret detector flags.
 * Outbound only: their edits of these records are not read back (ours is the source).
 */

export const KNOWLEDGE_TABLE = 'kb_knowledge';

/** What the client config says of their knowledge base (`integrations.servicenow.knowledge`). */
export interface KnowledgeBaseSettings {
  /** The kb_knowledge_base's sys_id. */
  readonly knowledgeBase: string;
  /** A kb_category's sys_id, if the client files them under one. */
  readonly category?: string | undefined;
  /** Who reads that knowledge base: which articles may reach it. */
  readonly access: SiteAccess;
}

/** An article as stored (the problems table), read consistently. */
export type MirroredArticle = SiteArticle & { readonly version: number };

export interface KnowledgeMirrorDeps extends LeaseDeps {
  readonly table: ServiceNowTable;
  readonly store: SyncStore;
  readonly articles: { get(id: string): Promise<MirroredArticle | undefined> };
  readonly knowledge: KnowledgeBaseSettings;
  /**
   * Told of an article its readers may see that is kept from them because the secret detector
   * flags it (its record, if any, is retired): the function logs and counts it.
   * @default nobody is told
   */
  readonly onWithheld?: (withheld: { readonly articleId: string; readonly fields: readonly string[] }) => void;
}

/** The sync item of an article shares the store with incidents' and changes', under its own id. */
export const articleSyncId = (articleId: string) => `article:${articleId}`;

/**
 * The record's sys_id, made from the article's id (the Table API keeps a sys_id given on insert):
 * a create redelivered after its POST went through finds the record by it, never making a second.
 */
export const knowledgeSysIdOf = (articleId: string) => createHash('sha256').update(`rowe-itsm:${KNOWLEDGE_TABLE}:${articleId}`).digest('hex').slice(0, 32);

/**
 * The outbox's delivery: brings the article's record in step with the article as it is now. A push
 * that already covered this version (or a later one) makes it skip, so an older effect delivered
 * late never takes the record back; a redelivery changes nothing.
 */
export async function pushArticle(deps: KnowledgeMirrorDeps, articleId: string, version?: number): Promise<void> {
  const syncId = articleSyncId(articleId);
  if (version !== undefined && ((await deps.store.get(syncId))?.pushedVersion ?? 0) >= version) return;
  await underLease(deps, syncId, false, (holder) => mirrorOnce(deps, articleId, holder));
}

/** The fields the record carries for an article its readers may see; undefined when it may not go there. */
export function knowledgeFieldsOf(article: MirroredArticle | undefined, knowledge: KnowledgeBaseSettings): Record<string, string> | undefined {
  if (!article || !isOnSite(article, knowledge.access) || secretFieldsOf(article).length > 0) return undefined;
  return fieldsOf(article, knowledge);
}

function fieldsOf(article: MirroredArticle, knowledge: KnowledgeBaseSettings): Record<string, string> {
  return {
    short_description: article.title,
    text: renderMarkdown(article.body),
    meta: article.tags.join(', '),
    kb_knowledge_base: knowledge.knowledgeBase,
    ...(knowledge.category && { kb_category: knowledge.category }),
    workflow_state: 'published',
  };
}

/** Checked when it was published; checked again here, since what leaves the desk must not carry a credential. */
function secretFieldsOf(article: MirroredArticle): string[] {
  return [...new Set(findSecrets({ title: article.title, body: article.body, tags: article.tags }).map((finding) => finding.field))];
}

async function mirrorOnce(deps: KnowledgeMirrorDeps, articleId: string, holder: string): Promise<void> {
  const syncId = articleSyncId(articleId);
  const article = await deps.articles.get(articleId);
  let state: SyncState =
    (await deps.store.get(syncId)) ?? { incidentId: syncId, table: KNOWLEDGE_TABLE, base: {}, held: {}, ourModCounts: [], appliedModCount: -1, pushedEntries: [], journalSeen: [] };
  const sysId = state.sysId ?? knowledgeSysIdOf(articleId);
  // The secret detector runs once per delivery: what it flags is both withheld and reported.
  const seen = article !== undefined && isOnSite(article, deps.knowledge.access) ? article : undefined;
  const flagged = seen ? secretFieldsOf(seen) : [];
  const ours = seen && flagged.length === 0 ? fieldsOf(seen, deps.knowledge) : undefined;
  if (flagged.length > 0) deps.onWithheld?.({ articleId, fields: flagged });
  let record: ServiceNowRecord | undefined = await deps.table.get(KNOWLEDGE_TABLE, sysId);
  if (!record && ours) record = await deps.table.create(KNOWLEDGE_TABLE, { ...ours, sys_id: sysId });
  else if (record) {
    // Gone from its readers (archived, back to draft, made internal): retired there, its text left as it was.
    const wanted = ours ?? { workflow_state: 'retired' };
    const changed = Object.fromEntries(Object.entries(wanted).filter(([field, value]) => (record![field] ?? '') !== value));
    if (Object.keys(changed).length > 0) record = await deps.table.update(KNOWLEDGE_TABLE, sysId, changed);
  }
  if (record && state.sysId !== sysId) {
    state = { ...state, sysId, number: record['number'] ?? '' };
    await deps.store.link(sysId, syncId);
  }
  state = { ...state, base: ours ?? state.base, pushedVersion: Math.max(state.pushedVersion ?? 0, article?.version ?? 0) };
  await deps.store.put(state, holder);
}
