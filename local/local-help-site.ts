import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { SELF_HELP_CSP } from '../src/modules/selfhelp/infra/itsm-self-help-site';
import { MANIFEST_FILE, verifySignedCookies } from '../src/modules/selfhelp/adapters';
import { BUNDLE_PATH } from '../src/modules/selfhelp/domain';
import { LOCAL_BUNDLE_PATH } from './local-paths';

/** Where the local runtime serves the example client's self-help site. */
export const HELP_PREFIX = '/help/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml; charset=utf-8',
};

/** The headers CloudFront's response headers policy adds in AWS (ItsmSelfHelpSite), minus HSTS on plain HTTP. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': SELF_HELP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/**
 * Serves the site folder the outbox consumer writes (FolderSiteStore) at /help/, as CloudFront
 * serves the bucket: GET and HEAD, index.html at the root, 404 for anything else. Paths the
 * template's distribution sends to the API (`apiBehaviours`: the article pages' view beacon) are
 * handed to the local API, as CloudFront forwards them with the origin path before them.
 */
export function createHelpSiteHandler(options: {
  readonly dir: string;
  readonly apiBehaviours?: readonly { readonly pathPattern: string; readonly originPath: string }[];
  /**
   * A site behind the client's sign-in (the template's distribution trusts a key group): the
   * signed cookies are checked as CloudFront checks them, against these keys (key pair id → PEM),
   * on every path but the forwarded ones not in `signedPathPatterns`; a viewer without them gets
   * 403 with `errorPage()` (the distribution's 403 custom error response).
   */
  readonly signIn?: { readonly trustedKeys: ReadonlyMap<string, string>; readonly signedPathPatterns: readonly string[]; readonly errorPage: () => Promise<string> };
}) {
  const root = resolve(options.dir);
  // CloudFront's path patterns: `*` matches any characters (`/` included), `?` one.
  const patternOf = (pathPattern: string) => new RegExp(`^${pathPattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const forwarded = (options.apiBehaviours ?? []).map((b) => ({
    pattern: patternOf(b.pathPattern),
    originPath: b.originPath,
    signed: options.signIn?.signedPathPatterns.includes(b.pathPattern) ?? false,
  }));
  const signIn = options.signIn;
  const unsigned = (req: IncomingMessage, url: URL) =>
    signIn !== undefined &&
    !verifySignedCookies({
      cookieHeader: req.headers.cookie,
      trustedKeys: signIn.trustedKeys,
      url: `http://${req.headers.host ?? 'localhost'}${url.pathname}`,
      now: Math.floor(Date.now() / 1000),
    });
  const refuse = async (res: ServerResponse): Promise<true> => {
    res.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
    res.end(await signIn!.errorPage());
    return true;
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const sitePath = url.pathname.startsWith(HELP_PREFIX) ? url.pathname.slice(HELP_PREFIX.length - 1) : undefined;
    const behaviour = sitePath !== undefined ? forwarded.find((f) => f.pattern.test(sitePath)) : undefined;
    if (behaviour) {
      if (behaviour.signed && unsigned(req, url)) return refuse(res);
      req.url = `${behaviour.originPath}${sitePath}${url.search}`;
      return false;
    }
    if (url.pathname === LOCAL_BUNDLE_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      let zip: Buffer;
      try {
        zip = await readFile(join(root, BUNDLE_PATH));
      } catch {
        return notFound(res);
      }
      res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Disposition': 'attachment; filename="help-site.zip"', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : zip);
      return true;
    }
    if (url.pathname === HELP_PREFIX.slice(0, -1)) {
      res.writeHead(301, { Location: HELP_PREFIX });
      res.end();
      return true;
    }
    if (!url.pathname.startsWith(HELP_PREFIX)) return false;
    if (unsigned(req, url)) return refuse(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      res.end('Method not allowed');
      return true;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname.slice(HELP_PREFIX.length)) || 'index.html';
    } catch {
      relative = '';
    }
    const file = resolve(join(root, relative));
    // The bundle is not one of the pages: the distribution is denied it too (the API hands out its link).
    if (!relative || relative === MANIFEST_FILE || relative.startsWith(BUNDLE_PATH.split('/')[0]!) || !file.startsWith(root + sep)) return notFound(res);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return notFound(res);
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

function notFound(res: ServerResponse): true {
  res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
  res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><main><h1>Not found</h1><p><a href="/help/">Help home</a></p></main></body></html>');
  return true;
}
