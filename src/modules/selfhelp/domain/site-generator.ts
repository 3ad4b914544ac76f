import { escapeHtml, escapeXml, safeJson } from './escape';
import { renderMarkdown, wordsOf } from './markdown';
import { SEARCH_JS, SITE_CSS, VIEW_JS } from './site-assets';

/**
 * The client's self-help site, generated whole from what is published: pure (no I/O, no clock),
 * so the same inputs give byte-identical files and a publisher can skip what did not change.
 *
 * Only articles that are published and meant for the site's readers appear: `public` ones, and on
 * a site behind the client's sign-in (`access: 'client'`) `client` ones too; never `internal`,
 * never drafts or archived ones. Of an article only its title, body, service, tags and dates are
 * shown; of a service its name and whether a major incident is open on it (never the incident's
 * text); of the desk the contact the client config names.
 */

export type SiteAccess = 'public' | 'client';

/** An article as the problems module stores it (the fields the site reads). */
export interface SiteArticle {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly service?: string | undefined;
  readonly tags: readonly string[];
  readonly state: string;
  /** Absent: `client` (articles written before audiences). */
  readonly audience?: string | undefined;
  readonly publishedAt?: string | undefined;
  readonly updatedAt: string;
}

export interface SiteService {
  readonly id: string;
  readonly name: string;
}

export interface DeskContact {
  readonly name: string;
  readonly email: string;
  readonly phone?: string | undefined;
}

export interface SiteInput {
  readonly title: string;
  /** The site's absolute address, ending in `/` (feeds and the sitemap need absolute URLs). */
  readonly baseUrl: string;
  readonly access: SiteAccess;
  readonly articles: readonly SiteArticle[];
  readonly services: readonly SiteService[];
  /** Services with an open major incident. */
  readonly majorIncidentServices: readonly string[];
  readonly desk: DeskContact;
}

export interface SiteFile {
  readonly contentType: string;
  readonly body: string;
}

/** path (relative to the site's root, no leading slash) → file. */
export type Site = ReadonlyMap<string, SiteFile>;

const HTML = 'text/html; charset=utf-8';
const SAFE_SLUG = /^[a-z0-9][a-z0-9-]*$/;
const SAFE_ID = /^[A-Za-z0-9-]+$/;

/** Whether an article belongs on a site of this access. */
export function isOnSite(article: Pick<SiteArticle, 'state' | 'audience'>, access: SiteAccess): boolean {
  if (article.state !== 'published') return false;
  const audience = article.audience ?? 'client';
  return audience === 'public' || (access === 'client' && audience === 'client');
}

export function generateSite(input: SiteInput): Site {
  const files = new Map<string, SiteFile>();
  // Ids and tags become paths: the schemas allow only [a-z0-9-] in them; anything else is left out rather than trusted.
  const articles = input.articles
    .filter((a) => isOnSite(a, input.access) && SAFE_ID.test(a.id))
    .map((a) => ({ ...a, tags: a.tags.filter((t) => SAFE_SLUG.test(t)) }))
    .sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
  const serviceName = new Map(input.services.map((s) => [s.id, s.name]));
  const major = new Set(input.majorIncidentServices);
  const byService = groupBy(articles, (a) => (a.service && serviceName.has(a.service) ? a.service : ''));
  const byTag = new Map<string, SiteArticle[]>();
  for (const article of articles) for (const tag of article.tags) (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(article);
  const services = input.services.filter((s) => SAFE_SLUG.test(s.id)).sort((a, b) => a.name.localeCompare(b.name));
  const page = (path: string, title: string, crumbs: readonly Crumb[], main: string, extra: { readonly script?: string } = {}) =>
    files.set(path, { contentType: HTML, body: layout(input, path, title, crumbs, main, extra) });

  // Home: every service with its status and articles, then articles of no service, then the desk.
  const serviceSections = services.map((s) => {
    const list = byService.get(s.id) ?? [];
    return `<section aria-labelledby="svc-${s.id}"><h2 id="svc-${s.id}"><a href="services/${s.id}.html">${escapeHtml(s.name)}</a> ${statusBadge(major.has(s.id))}</h2>${articleList(list.slice(0, 10), '')}${
      list.length > 10 ? `<p><a href="services/${s.id}.html">All ${list.length} articles about ${escapeHtml(s.name)}</a></p>` : ''
    }</section>`;
  });
  const general = (byService.get('') ?? []).slice(0, 20);
  page(
    'index.html',
    input.title,
    [],
    `<h1>${escapeHtml(input.title)}</h1>
<p>Answers to common questions and known issues, by service. Search above, or browse below.</p>
<h2 id="services">Services</h2>
${serviceSections.join('\n') || '<p>No services are listed yet.</p>'}
${general.length ? `<section aria-labelledby="general"><h2 id="general">General</h2>${articleList(general, '')}</section>` : ''}
${byTag.size ? `<section aria-labelledby="topics"><h2 id="topics">Topics</h2>${tagList([...byTag.keys()].sort(), '')}</section>` : ''}
<section aria-labelledby="contact"><h2 id="contact">Contact the service desk</h2>${deskContact(input.desk)}</section>`,
  );

  for (const service of services) {
    const list = byService.get(service.id) ?? [];
    page(
      `services/${service.id}.html`,
      service.name,
      [{ label: 'Services', href: 'index.html#services' }],
      `<h1>${escapeHtml(service.name)}</h1>
<p>Status: ${statusBadge(major.has(service.id))}</p>
${major.has(service.id) ? '<p>We are working on a major incident affecting this service. You do not need to report it again; updates follow here and from the service desk.</p>' : ''}
<h2>Articles</h2>
${list.length ? articleList(list, '../') : '<p>No articles about this service yet.</p>'}`,
    );
  }

  for (const article of articles) {
    const service = article.service ? serviceName.get(article.service) : undefined;
    page(
      `articles/${article.id}.html`,
      article.title,
      service ? [{ label: service, href: `services/${article.service}.html` }] : [],
      `<article data-article-id="${escapeHtml(article.id)}">
<h1>${escapeHtml(article.title)}</h1>
<p class="muted">${service ? `${escapeHtml(service)} · ` : ''}Updated <time datetime="${escapeHtml(article.updatedAt)}">${escapeHtml(article.updatedAt.slice(0, 10))}</time></p>
${renderMarkdown(article.body)}
${article.tags.length ? `<h2>Topics</h2>${tagList(article.tags, '../')}` : ''}
</article>
<p>Did this not help? <a href="../index.html#contact">Contact the service desk</a>.</p>`,
      { script: 'view.js' },
    );
  }

  for (const [tag, list] of byTag) {
    page(`tags/${tag}.html`, `Topic: ${tag}`, [{ label: 'Topics', href: 'index.html#topics' }], `<h1>Topic: ${escapeHtml(tag)}</h1>\n${articleList(list, '../')}`);
  }

  page(
    'search.html',
    'Search',
    [],
    `<h1>Search</h1>
<p id="search-status" role="status" aria-live="polite">Type a word to search for.</p>
<ol id="results"></ol>`,
    { script: 'search.js' },
  );

  files.set('style.css', { contentType: 'text/css; charset=utf-8', body: SITE_CSS });
  files.set('search.js', { contentType: 'text/javascript; charset=utf-8', body: SEARCH_JS });
  files.set('view.js', { contentType: 'text/javascript; charset=utf-8', body: VIEW_JS });
  files.set('search-index.json', { contentType: 'application/json', body: searchIndex(articles, serviceName) });
  files.set('feed.json', { contentType: 'application/feed+json', body: jsonFeed(input, articles) });
  files.set('atom.xml', { contentType: 'application/atom+xml; charset=utf-8', body: atomFeed(input, articles) });
  files.set('sitemap.xml', { contentType: 'application/xml; charset=utf-8', body: sitemap(input, [...files.keys()].filter((p) => p.endsWith('.html'))) });
  return files;
}

interface Crumb {
  readonly label: string;
  /** Relative to the site's root. */
  readonly href: string;
}

function layout(input: SiteInput, path: string, title: string, crumbs: readonly Crumb[], main: string, extra: { readonly script?: string }): string {
  const root = '../'.repeat(path.split('/').length - 1);
  const fullTitle = path === 'index.html' ? input.title : `${title} · ${input.title}`;
  const trail = crumbs.length
    ? `<nav aria-label="Breadcrumb"><ol><li><a href="${root}index.html">Home</a></li>${crumbs.map((c) => `<li><a href="${root}${c.href}">${escapeHtml(c.label)}</a></li>`).join('')}</ol></nav>`
    : '';
  return `<!doctype html>
<html lang="en" data-root="${root}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(fullTitle)}</title>
<link rel="stylesheet" href="${root}style.css">
<link rel="alternate" type="application/feed+json" href="${root}feed.json" title="${escapeHtml(input.title)} (JSON Feed)">
<link rel="alternate" type="application/atom+xml" href="${root}atom.xml" title="${escapeHtml(input.title)} (Atom)">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="site"><a href="${root}index.html">${escapeHtml(input.title)}</a></p>
<form role="search" action="${root}search.html" method="get"><label for="q">Search help</label> <input id="q" name="q" type="search" required> <button type="submit">Search</button></form>
</header>
${trail}
<main id="main">
${main}
</main>
<footer><p>Need more help? ${deskLine(input.desk)}</p></footer>
${extra.script ? `<script src="${root}${extra.script}" defer></script>\n` : ''}</body>
</html>
`;
}

const statusBadge = (major: boolean) =>
  major ? '<span class="status major">Major incident in progress</span>' : '<span class="status">Operating normally</span>';

function articleList(articles: readonly SiteArticle[], root: string): string {
  if (articles.length === 0) return '<p>No articles yet.</p>';
  return `<ul>${articles.map((a) => `<li><a href="${root}articles/${a.id}.html">${escapeHtml(a.title)}</a></li>`).join('')}</ul>`;
}

const tagList = (tags: readonly string[], root: string) =>
  `<ul class="tags">${tags.map((t) => `<li><a href="${root}tags/${encodeURIComponent(t)}.html">${escapeHtml(t)}</a></li>`).join('')}</ul>`;

function deskContact(desk: DeskContact): string {
  return `<p>${escapeHtml(desk.name)}</p><ul><li>Email: <a href="mailto:${escapeHtml(desk.email)}">${escapeHtml(desk.email)}</a></li>${
    desk.phone ? `<li>Phone: <a href="tel:${escapeHtml(desk.phone)}">${escapeHtml(desk.phone)}</a></li>` : ''
  }</ul>`;
}

const deskLine = (desk: DeskContact) =>
  `Contact the service desk: <a href="mailto:${escapeHtml(desk.email)}">${escapeHtml(desk.email)}</a>${desk.phone ? `, <a href="tel:${escapeHtml(desk.phone)}">${escapeHtml(desk.phone)}</a>` : ''}.`;

/** One entry per article: url, title, tags, service name and its words (title, body, tags). */
function searchIndex(articles: readonly SiteArticle[], serviceName: ReadonlyMap<string, string>): string {
  return safeJson(
    articles.map((a) => ({
      u: `articles/${a.id}.html`,
      t: a.title,
      g: a.tags,
      s: (a.service && serviceName.get(a.service)) ?? '',
      w: wordsOf(`${a.title} ${a.body} ${a.tags.join(' ')}`).join(' '),
    })),
  );
}

/** The newest change among the articles: the feeds' `updated`, so an unchanged site gives unchanged feeds. */
const lastUpdate = (articles: readonly SiteArticle[]) => articles.reduce((latest, a) => (a.updatedAt > latest ? a.updatedAt : latest), '1970-01-01T00:00:00.000Z');
const newestFirst = (articles: readonly SiteArticle[]) => [...articles].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id)).slice(0, 50);

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the 50 most recently changed articles. */
function jsonFeed(input: SiteInput, articles: readonly SiteArticle[]): string {
  return safeJson({
    version: 'https://jsonfeed.org/version/1.1',
    title: input.title,
    home_page_url: input.baseUrl,
    feed_url: `${input.baseUrl}feed.json`,
    language: 'en',
    items: newestFirst(articles).map((a) => ({
      id: `urn:uuid:${a.id}`,
      url: `${input.baseUrl}articles/${a.id}.html`,
      title: a.title,
      content_text: a.body,
      date_published: a.publishedAt ?? a.updatedAt,
      date_modified: a.updatedAt,
      tags: a.tags,
    })),
  });
}

/** Atom (RFC 4287): the same entries, text content escaped for XML. */
function atomFeed(input: SiteInput, articles: readonly SiteArticle[]): string {
  const entries = newestFirst(articles).map(
    (a) => `<entry>
<id>urn:uuid:${escapeXml(a.id)}</id>
<title type="text">${escapeXml(a.title)}</title>
<link rel="alternate" type="text/html" href="${escapeXml(`${input.baseUrl}articles/${a.id}.html`)}"/>
${a.publishedAt ? `<published>${escapeXml(a.publishedAt)}</published>\n` : ''}<updated>${escapeXml(a.updatedAt)}</updated>
${a.tags.map((t) => `<category term="${escapeXml(t)}"/>`).join('')}
<content type="text">${escapeXml(a.body)}</content>
</entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${escapeXml(input.baseUrl)}</id>
<title type="text">${escapeXml(input.title)}</title>
<updated>${escapeXml(lastUpdate(articles))}</updated>
<author><name>${escapeXml(input.desk.name)}</name></author>
<link rel="self" type="application/atom+xml" href="${escapeXml(`${input.baseUrl}atom.xml`)}"/>
<link rel="alternate" type="text/html" href="${escapeXml(input.baseUrl)}"/>
${entries.join('\n')}
</feed>
`;
}

function sitemap(input: SiteInput, pages: readonly string[]): string {
  const urls = pages.filter((p) => p !== 'search.html').map((p) => `<url><loc>${escapeXml(`${input.baseUrl}${p === 'index.html' ? '' : p}`)}</loc></url>`);
  return `<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${urls.join('\n')}
</urlset>
`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) (groups.get(key(item)) ?? groups.set(key(item), []).get(key(item))!).push(item);
  return groups;
}

/**
 * The weight of each HTML page with what it loads (the stylesheet, the search script on the
 * search page, the view beacon on article pages), in bytes, before the search index: the figure the ~100 KB budget applies to.
 */
export function pageWeights(site: Site): Map<string, number> {
  const size = (path: string) => byteLength(site.get(path)?.body ?? '');
  const weights = new Map<string, number>();
  for (const [path, file] of site) {
    if (!file.contentType.startsWith('text/html')) continue;
    const scripts = ['search.js', 'view.js'].filter((script) => file.body.includes(`${script}"`));
    weights.set(path, byteLength(file.body) + size('style.css') + scripts.reduce((sum, script) => sum + size(script), 0));
  }
  return weights;
}

/** UTF-8 length without Node's Buffer (the domain is pure). */
export function byteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
