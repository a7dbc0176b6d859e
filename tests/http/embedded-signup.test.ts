/**
 * The sign-up form embedded in the publication's own site (issue 21): a post from another origin is
 * accepted (no Origin check: a sign-up form is public, and the double opt-in, the honeypot and the
 * limits are what protect it); a filled honeypot looks accepted but adds and mails nobody; a refused
 * address gets our words and keeps the way back; `redirect` goes only to the publication's own
 * origins, never elsewhere (no open redirect); the dashboard shows the snippet to copy. Real Redis,
 * real SMTP (STARTTLS sink), Fastify inject.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

const SITE = 'https://orbit-weekly.example'; // the sample publication's websiteUrl

/** The snippet as the operator copies it (the textarea's text, unescaped). */
const snippetOf = (body: string) =>
  (/<textarea id="snippet"[^>]*>([\s\S]*?)<\/textarea>/.exec(body)?.[1] ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
let ip = 0;
const freshIp = () => `10.21.${(ip >> 8) & 255}.${ip++ & 255}`;

describe('the embedded sign-up form', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.sink.messages.length = 0;
  });

  /** A browser's form post from a page of `origin`. */
  const post = (fields: Record<string, string | string[]>, origin = SITE) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const item of [v].flat()) body.append(k, item);
    return world.app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin,
        referer: `${origin}/articles/launch-cadence`,
        'sec-fetch-site': 'cross-site',
      },
      payload: body.toString(),
    });
  };

  it('accepts a post from the publication site and sends the browser back there', async () => {
    const res = await post({
      email: 'reader@example.com',
      topics: ['lunar', 'launch'],
      website: '',
      redirect: `${SITE}/thanks?from=form`,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${SITE}/thanks?from=form`);
    await world.sink.waitFor(1);
    expect(world.sink.messages[0]!.envelopeTo).toEqual(['reader@example.com']);
    const pending = (await world.container.subscribers.getByEmail('reader@example.com'))!;
    expect(pending).toMatchObject({ status: 'pending', topics: ['lunar', 'launch'] });
  });

  it('without a redirect answers our page, with a link back to the publication', async () => {
    const res = await post({ email: 'plain@example.com' }, 'https://elsewhere.example');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Check your inbox');
    expect(res.body).toContain(`<a href="${SITE}">Back to Orbit Weekly</a>`);
    await world.sink.waitFor(1);
  });

  it('never redirects to another origin (no open redirect)', async () => {
    for (const redirect of [
      'https://evil.example/phish',
      `${SITE}.evil.example/`,
      `https://evil.example/?${SITE}`,
      `//evil.example/`,
      'javascript:alert(1)',
      `http://orbit-weekly.example/`,
    ]) {
      const res = await post({ email: `r${ip}@example.com`, redirect });
      expect(res.statusCode, redirect).toBe(200);
      expect(res.headers.location, redirect).toBeUndefined();
      expect(res.body).toContain('Check your inbox');
      expect(res.body).not.toContain('evil.example');
    }
    // This server's own pages are the publication's too.
    const own = await post({ email: 'own@example.com', redirect: 'https://digest.test/editions' });
    expect(own.headers.location).toBe('https://digest.test/editions');
  });

  it('a refused address gets our words and the form again, the way back kept', async () => {
    const res = await post({ email: 'not an address', redirect: `${SITE}/thanks` });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<p>The email address contains a space.</p>');
    expect(res.body).not.toMatch(/Invalid input|ZodError|at Object\./);
    expect(res.body).toContain(`<input type="hidden" name="redirect" value="${SITE}/thanks">`);
    const missing = await post({ email: '', redirect: 'https://evil.example/' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Please enter your email address.');
    expect(missing.body).not.toContain('evil.example');
  });

  // Last: it closes the app, whose onClose waits for every sign-up still running.
  it('a filled honeypot looks accepted, but nobody is added or mailed', async () => {
    const bot = await post({
      email: 'bot-target@example.com',
      website: 'http://spam.example',
      redirect: `${SITE}/thanks`,
    });
    expect(bot.statusCode).toBe(303);
    expect(bot.headers.location).toBe(`${SITE}/thanks`);
    const botPage = await post({ email: 'bot-target@example.com', website: 'x' });
    const person = await post({ email: 'person@example.com', website: '' });
    expect(botPage.statusCode).toBe(200);
    expect(botPage.body).toBe(person.body);
    await world.app.close();
    const mailedTo = () => world.sink.messages.map((m) => m.envelopeTo[0]);
    await world.sink.waitFor(1);
    expect(mailedTo()).toContain('person@example.com');
    expect(mailedTo()).not.toContain('bot-target@example.com');
    expect(await world.container.subscribers.getByEmail('bot-target@example.com')).toBeUndefined();
    // Nobody even tried to mail the address: its one-a-day slot is still free.
    expect(await world.container.confirmationThrottle.claim('bot-target@example.com')).toBe(true);
  });
});

describe('the dashboard sign-up form page', () => {
  let world: HttpWorld;
  let cookie = '';
  beforeAll(async () => {
    world = await startHttpWorld();
    const jar = new Map<string, string>();
    const keep = (set: string | string[] | undefined) => {
      for (const c of [set ?? []].flat()) {
        const [pair] = c.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    };
    const login = await world.app.inject({ method: 'GET', url: '/admin/login' });
    keep(login.headers['set-cookie']);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
    const res = await world.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, token: world.container.adminToken }).toString(),
    });
    expect(res.statusCode).toBe(303);
    keep(res.headers['set-cookie']);
  });
  afterAll(() => world.stop());
  const get = (url: string) => world.app.inject({ method: 'GET', url, headers: { cookie } });

  it('is linked from the nav and shows the snippet to copy: plain HTML posting to /subscribe', async () => {
    const page = await get('/admin/signup-form');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/admin/signup-form" aria-current="page">Sign-up form</a>');
    const snippet = snippetOf(page.body);
    expect(snippet).toContain('<form class="nd-signup" method="post" action="https://digest.test/subscribe"');
    expect(snippet).toContain('name="email"');
    expect(snippet).toContain('<input type="checkbox" name="topics" value="lunar"> Lunar');
    expect(snippet).toContain('name="website" tabindex="-1"');
    expect(snippet).not.toMatch(/<script|onclick|javascript:/i);
    const other = await get(
      '/admin/signup-form?topics=0&redirect=https%3A%2F%2Forbit-weekly.example%2Fthanks',
    );
    expect(snippetOf(other.body)).toContain(
      '<input type="hidden" name="redirect" value="https://orbit-weekly.example/thanks">',
    );
    expect(snippetOf(other.body)).not.toContain('name="topics"');
  });

  it('refuses a return page on another origin in its own words', async () => {
    const page = await get('/admin/signup-form?redirect=https%3A%2F%2Fevil.example%2F');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain(
      'The page to return to must be on https://orbit-weekly.example or https://digest.test',
    );
    expect(snippetOf(page.body)).not.toContain('evil.example');
  });

  it('previews the snippet in a sandbox whose form cannot be sent', async () => {
    const preview = await get('/admin/signup-form/preview?topics=1');
    expect(preview.statusCode).toBe(200);
    expect(preview.headers['content-security-policy']).toContain("form-action 'none'");
    expect(preview.headers['content-security-policy']).toContain('sandbox');
    expect(preview.body).toContain('<form class="nd-signup"');
  });
});
