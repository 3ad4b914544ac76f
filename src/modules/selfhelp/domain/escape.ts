/** Text into HTML (element content and quoted attribute values): the five characters that matter. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text into XML 1.0 (Atom, sitemap): escaped like HTML, and the control characters XML 1.0 forbids
 * dropped (a feed with one is not well-formed, and readers refuse all of it).
 */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
}

/**
 * JSON embedded in a page or served as a file: `<`, `>` and `&` escaped as \u sequences, and the
 * line separators JavaScript once refused, so no text can end a script element or open a comment.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
