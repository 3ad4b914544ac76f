import { generateSite, pageWeights, VIEW_BEACON_PATH_PATTERN, type SiteArticle, type SiteInput } from '../../src/modules/selfhelp/domain';
import { servicesWithMajorIncidents } from '../../src/modules/selfhelp/app';

const HOSTILE = `<script>alert("x")</script> "><img src=x onerror=alert(1)> ]]> &amp; \u0001 </title>`;
const article = (id: string, over: Partial<SiteArticle> = {}): SiteArticle => ({
  id,
  title: `Article ${id}`,
  body: `Body of ${id}`,
  service: 'email',
  tags: ['mail'],
  state: 'published',
  audience: 'public',
  publishedAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...over,
});
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const base: SiteInput = {
  title: 'Example help',
  baseUrl: 'https://help.example.com/',
  access: 'public',
  articles: [
    article(uuid(1), { title: 'Outlook cannot send', body: '## Steps\n\n- Restart **Outlook**\n- Run `outlook /safe`' }),
    article(uuid(2), { title: HOSTILE, body: HOSTILE, tags: ['mail', 'hostile'] }),
    article(uuid(3), { title: 'INTERNAL-ONLY runbook', body: 'INTERNAL-ONLY text', audience: 'internal' }),
    article(uuid(4), { title: 'DRAFT-ONLY', body: 'DRAFT-ONLY text', state: 'draft' }),
    article(uuid(5), { title: 'ARCHIVED-ONLY', body: 'ARCHIVED-ONLY text', state: 'archived' }),
    article(uuid(6), { title: 'CLIENT-ONLY', body: 'CLIENT-ONLY text', audience: 'client' }),
    // Stored before audiences existed: reads as client.
    article(uuid(7), { title: 'LEGACY-CLIENT', body: 'LEGACY-CLIENT text', audience: undefined, service: undefined }),
  ],
  services: [
    { id: 'email', name: 'Email' },
    { id: 'vpn', name: 'VPN' },
  ],
  majorIncidentServices: ['vpn'],
  desk: { name: 'Service desk', email: 'desk@example.com', phone: '+442071234567' },
};

const everything = (site: ReturnType<typeof generateSite>) => [...site.values()].map((f) => f.body).join('\n');

describe('self-help site generator', () => {
  const site = generateSite(base);

  test('makes a home page, a page per service, article and tag pages, search, feeds and a sitemap', () => {
    for (const path of ['index.html', 'services/email.html', 'services/vpn.html', `articles/${uuid(1)}.html`, 'tags/mail.html', 'tags/hostile.html', 'search.html', 'search.js', 'style.css', 'search-index.json', 'feed.json', 'atom.xml', 'sitemap.xml']) {
      expect(site.has(path)).toBe(true);
    }
    const home = site.get('index.html')!.body;
    expect(home).toContain('<html lang="en"');
    expect(home).toContain('name="viewport"');
    expect(home).toContain('<main id="main">');
    expect(home).toContain('href="services/vpn.html">VPN</a> <span class="status major">Major incident in progress</span>');
    expect(home).toContain('href="services/email.html">Email</a> <span class="status">Operating normally</span>');
    expect(home).toContain('mailto:desk@example.com');
    expect(site.get(`articles/${uuid(1)}.html`)!.body).toContain('<ul><li>Restart <strong>Outlook</strong></li><li>Run <code>outlook /safe</code></li></ul>');
  });

  test('a public site shows public articles only: never internal, drafts, archived or client ones', () => {
    const all = everything(site);
    for (const marker of ['INTERNAL-ONLY', 'DRAFT-ONLY', 'ARCHIVED-ONLY', 'CLIENT-ONLY', 'LEGACY-CLIENT']) expect(all).not.toContain(marker);
    expect(all).toContain('Outlook cannot send');
  });

  test('a site behind the client sign-in adds client articles (and those with no audience), still never internal', () => {
    const all = everything(generateSite({ ...base, access: 'client' }));
    expect(all).toContain('CLIENT-ONLY');
    expect(all).toContain('LEGACY-CLIENT');
    for (const marker of ['INTERNAL-ONLY', 'DRAFT-ONLY', 'ARCHIVED-ONLY']) expect(all).not.toContain(marker);
  });

  test('hostile article text is escaped in HTML, XML and JSON', () => {
    for (const [path, file] of site) {
      expect({ path, raw: file.body.includes('<script>alert') }).toEqual({ path, raw: false });
      expect({ path, raw: file.body.includes('<img src=x') }).toEqual({ path, raw: false });
    }
    const page = site.get(`articles/${uuid(2)}.html`)!.body;
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&amp;amp;');
    const atom = site.get('atom.xml')!.body;
    expect(atom).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(atom).toContain('<title type="text">&lt;script&gt;');
    // JSON stays parseable, and cannot close a script element or open a comment if embedded.
    for (const path of ['feed.json', 'search-index.json']) {
      expect(site.get(path)!.body).not.toMatch(/[<>]/);
      expect(JSON.stringify(JSON.parse(site.get(path)!.body))).toContain('<script>alert');
    }
  });

  test('JSON Feed 1.1 and the sitemap use absolute URLs', () => {
    const feed = JSON.parse(site.get('feed.json')!.body);
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items.map((i: { url: string }) => i.url)).toContain(`https://help.example.com/articles/${uuid(1)}.html`);
    expect(site.get('sitemap.xml')!.body).toContain(`<loc>https://help.example.com/articles/${uuid(1)}.html</loc>`);
    expect(site.get('sitemap.xml')!.body).toContain('<loc>https://help.example.com/</loc>');
  });

  test('the search index holds title, tags, service and body words of shown articles', () => {
    const index = JSON.parse(site.get('search-index.json')!.body) as { u: string; t: string; g: string[]; s: string; w: string }[];
    const outlook = index.find((e) => e.t === 'Outlook cannot send')!;
    expect(outlook).toMatchObject({ u: `articles/${uuid(1)}.html`, g: ['mail'], s: 'Email' });
    expect(outlook.w.split(' ')).toEqual(expect.arrayContaining(['restart', 'safe', 'mail']));
    expect(index).toHaveLength(2);
  });

  test('the same inputs give the same files (unchanged files are skipped by the publisher)', () => {
    expect([...generateSite(base)]).toEqual([...site]);
  });

  test('pages stay within the ~100 KB weight budget before the search index', () => {
    for (const [path, weight] of pageWeights(site)) expect({ path, weight: weight <= 100_000 }).toEqual({ path, weight: true });
  });
});

describe('servicesWithMajorIncidents: the triggering incident is taken from its consistent read, not the index', () => {
  const open = [{ id: 'i-1', service: 'vpn' }, { id: 'i-2', service: 'erp' }];
  it('a just-declared incident the index does not list yet shows', () => {
    expect(servicesWithMajorIncidents(open, 'i-3', { id: 'i-3', service: 'payroll', major: true, state: 'New' })).toEqual(['erp', 'payroll', 'vpn']);
  });
  it('a just-resolved incident the index still lists goes', () => {
    expect(servicesWithMajorIncidents(open, 'i-1', { id: 'i-1', service: 'vpn', major: true, state: 'Resolved' })).toEqual(['erp']);
  });
  it('another open major incident keeps the service shown', () => {
    expect(servicesWithMajorIncidents([...open, { id: 'i-4', service: 'vpn' }], 'i-1', { id: 'i-1', service: 'vpn', major: true, state: 'Canceled' })).toEqual(['erp', 'vpn']);
  });
  it('an incident moved to another service moves the status; a deleted one drops out', () => {
    expect(servicesWithMajorIncidents(open, 'i-2', { id: 'i-2', service: 'crm', major: true, state: 'In Progress' })).toEqual(['crm', 'vpn']);
    expect(servicesWithMajorIncidents(open, 'i-2', undefined)).toEqual(['vpn']);
  });
  it('without a trigger, the index decides', () => {
    expect(servicesWithMajorIncidents([...open, { id: 'i-4', service: 'vpn' }], undefined, undefined)).toEqual(['erp', 'vpn']);
  });
});

test("article pages, and only they, carry their id and load the view beacon; the beacon posts to the site's own address", () => {
  const site = generateSite({ ...base, articles: [article(uuid(1))] });
  const page = site.get(`articles/${uuid(1)}.html`)!.body;
  expect(page).toContain(`<article data-article-id="${uuid(1)}">`);
  expect(page).toContain('<script src="../view.js" defer></script>');
  for (const [path, file] of site) if (path.endsWith('.html') && !path.startsWith('articles/')) expect(file.body).not.toContain('view.js');
  const script = site.get('view.js')!.body;
  expect(script).toContain('navigator.sendBeacon(root+"knowledge/"');
  expect(script).not.toMatch(/https?:|innerHTML|cookie/);
  expect(VIEW_BEACON_PATH_PATTERN).toBe('knowledge/*/views');
});
