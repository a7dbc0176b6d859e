/**
 * The operator console through Fastify inject on the real container (test Redis, a real SMTP sink):
 * the subscriber list (status filter, clickable counts, search, cursor paging past Redis's small-set
 * encoding), add with and without the opt-in email, CSV upload with its row report, preferences,
 * unsubscribe, forget with its confirmation; sources (add, remove, collect now, last result); the send
 * form's default; the dashboard's own 404; messages in the dashboard's words; CSRF on every form.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { editionIdFor } from '../../src/core/edition-window.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { buildApp } from '../../src/http/app.ts';
import { AdminClient, csrfOf, flashOf } from '../helpers/admin-inject.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

/** More than Redis keeps in its compact encodings (128), so SSCAN/HSCAN really page. */
const ACTIVE = 140;

describe('operator console', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let b: AdminClient;

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    app = await buildApp(c);
    await seedSubscribers(c, ACTIVE + 6, (i) =>
      i < ACTIVE ? 'active' : i < ACTIVE + 4 ? 'unsubscribed' : 'bounced',
    );
    b = await AdminClient.login(app);
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  /** Every address of a filter, following "Next page" to the end. */
  async function walk(status: string): Promise<string[]> {
    const seen: string[] = [];
    let url: string | undefined = `/admin/subscribers?status=${status}`;
    for (let pages = 0; url && pages < 50; pages++) {
      const res = await b.get(url);
      expect(res.statusCode).toBe(200);
      seen.push(
        ...[...res.body.matchAll(/<td><a href="\/admin\/subscribers\/[^"]+">([^<]+)<\/a>/g)].map(
          (m) => m[1]!,
        ),
      );
      const next = /id="next-page"[^>]*|href="([^"]+)" id="next-page"/.exec(res.body)?.[1];
      url = next?.replace(/&amp;/g, '&');
    }
    return seen;
  }

  it('lists subscribers by status with clickable counts, and pages through all of them without repeats', async () => {
    const page = await b.get('/admin/subscribers');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="/admin/subscribers?status=active" data-status="active"`);
    expect(page.body).toMatch(new RegExp(`data-count="active">${ACTIVE}<`));
    expect(page.body).toMatch(/data-count="unsubscribed">4</);
    expect(page.body).toMatch(/data-count="bounced">2</);
    expect(page.body).toMatch(new RegExp(`data-count="all">${ACTIVE + 6}<`));
    // The list page reads one page, not everyone: the growth chart has a page of its own.
    expect(page.body).not.toContain('<svg');
    expect((await b.get('/admin/subscribers/growth')).body).toContain('<svg');

    const active = await walk('active');
    expect(active.length).toBe(ACTIVE);
    expect(new Set(active).size).toBe(ACTIVE);
    const everyone = await walk('all');
    expect(new Set(everyone).size).toBe(ACTIVE + 6);
    const unsubscribed = await walk('unsubscribed');
    expect(unsubscribed.sort()).toEqual([140, 141, 142, 143].map((i) => `reader${i}@readers.example`));
    // A filter or cursor that is no such thing is the first page of everyone, not an error.
    expect((await b.get('/admin/subscribers?status=nope&cursor=abc')).statusCode).toBe(200);
  });

  it('searches by address', async () => {
    const res = await b.get('/admin/subscribers?q=reader14');
    expect(res.body).toContain('reader14@readers.example');
    expect(res.body).toContain('reader141@readers.example');
    expect(res.body).not.toContain('reader3@readers.example');
    expect((await b.get('/admin/subscribers?q=nobody-here')).body).toContain('Nobody matches.');
  });

  it('adds one person: pending with the confirmation email, or active when already confirmed; bad input in our words', async () => {
    const form = await b.get('/admin/subscribers');
    const before = sink.messages.length;
    const res = await b.post('/admin/subscribers', {
      _csrf: csrfOf(form),
      email: 'New.Reader@Example.com',
      name: 'New Reader',
      topics: ['lunar', 'launch'],
      timezone: 'america/new_york',
      hour: '7',
      locale: 'de',
    });
    const page = await b.follow(res);
    expect(flashOf(page)).toContain(
      'Added new.reader@example.com as pending: the confirmation email is on its way',
    );
    await sink.waitFor(before + 1);
    expect(sink.messages.at(-1)!.envelopeTo).toEqual(['new.reader@example.com']);
    const added = (await c.subscribers.getByEmail('new.reader@example.com'))!;
    expect(added).toMatchObject({
      status: 'pending',
      topics: ['lunar', 'launch'],
      timezone: 'America/New_York',
      hour: 7,
      locale: 'de',
    });

    const confirmed = await b.follow(
      await b.post('/admin/subscribers', {
        _csrf: csrfOf(page),
        email: 'told-us@example.com',
        confirmed: 'on',
      }),
    );
    expect(flashOf(confirmed)).toBe('Added told-us@example.com as active.');
    expect((await c.subscribers.getByEmail('told-us@example.com'))!.status).toBe('active');
    expect(sink.messages.length).toBe(before + 1);

    const bad = await b.follow(
      await b.post('/admin/subscribers', { _csrf: csrfOf(confirmed), email: 'not an address', hour: '7' }),
    );
    expect(flashOf(bad)).toMatch(/^Not added: invalid email address "not an address"/);
    const zone = await b.follow(
      await b.post('/admin/subscribers', { _csrf: csrfOf(bad), email: 'z@example.com', timezone: 'EST' }),
    );
    expect(flashOf(zone)).toMatch(/^Not added: .*EST/);
    expect(flashOf(zone)).not.toMatch(/--|digest /);
    // The confirmation email again, for a pending person: the throttle holds it within 24 hours.
    const resent = await b.follow(
      await b.post(`/admin/subscribers/${added.id}/confirm-resend`, { _csrf: csrfOf(zone) }),
    );
    expect(flashOf(resent)).toBe(
      'A confirmation email went to new.reader@example.com in the last 24 hours; not sent again.',
    );
    expect(sink.messages.length).toBe(before + 1);
    const long = await b.follow(
      await b.post('/admin/subscribers', {
        _csrf: csrfOf(zone),
        email: 'x@example.com',
        name: 'n'.repeat(1001),
      }),
    );
    expect(flashOf(long)).toBe(
      'That form could not be read (a field too long, or given twice): reload the page and try again.',
    );
    const again = await b.follow(
      await b.post('/admin/subscribers', { _csrf: csrfOf(zone), email: 'told-us@example.com' }),
    );
    expect(flashOf(again)).toBe('told-us@example.com is already a subscriber (active); nothing changed.');
  });

  it('refuses every console form without the CSRF token', async () => {
    const sub = (await c.subscribers.getByEmail('reader5@readers.example'))!;
    for (const url of [
      '/admin/subscribers',
      `/admin/subscribers/${sub.id}/preferences`,
      `/admin/subscribers/${sub.id}/unsubscribe`,
      `/admin/subscribers/${sub.id}/forget`,
      '/admin/sources',
    ]) {
      const res = await b.post(url, {
        email: 'x@example.com',
        confirm: 'yes',
        url: 'https://x.example/feed',
      });
      expect(res.statusCode, url).toBe(403);
      expect(res.body).toContain('This form has expired or did not come from this dashboard');
    }
    // Without a session nothing is even parsed: the pages redirect to the login, the forms get 401.
    const stranger = new AdminClient(app);
    expect((await stranger.get('/admin/subscribers')).statusCode).toBe(303);
    expect((await stranger.get('/admin/sources')).statusCode).toBe(303);
    for (const url of ['/admin/subscribers', '/admin/sources', '/admin/sources/abcdef012345/collect'])
      expect(
        (await stranger.post(url, { email: 'x@example.com', url: 'https://x.example/f' })).statusCode,
        url,
      ).toBe(401);
    const anonymous = await stranger.upload(
      '/admin/subscribers/import',
      {},
      { name: 'a.csv', content: 'email\nq@example.com\n' },
    );
    expect(anonymous.statusCode).toBe(401);
    const upload = await b.upload(
      '/admin/subscribers/import',
      {},
      { name: 'a.csv', content: 'email\nq@example.com\n' },
    );
    expect(upload.statusCode).toBe(403);
    expect(await c.subscribers.get(sub.id)).toMatchObject({ status: 'active' });
    expect(await c.subscribers.getByEmail('q@example.com')).toBeUndefined();
  });

  it('uploads a CSV: good rows go in, bad rows come back with their line and reason', async () => {
    const form = await b.get('/admin/subscribers');
    const csv = [
      'email;name;topics;timezone;hour',
      'csv1@example.com;One;lunar;Europe/Paris;8',
      'not-an-address;Two;;;',
      'csv3@example.com;Three;nonsense;;',
      'csv4@example.com;Four;;EST;',
      'csv5@example.com;Five;policy,markets;;25',
      'csv1@example.com;Dup;;;',
      'reader1@readers.example;Known;;;',
      'csv8@example.com;Eight;;;',
    ].join('\n');
    const res = await b.upload(
      '/admin/subscribers/import',
      { _csrf: csrfOf(form), confirmed: 'on' },
      { name: 'readers.csv', content: csv },
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-field="imported">2<');
    expect(res.body).toContain('data-field="rows">8<');
    expect(res.body).toContain('data-field="rejected">6<');
    for (const line of [3, 4, 5, 6, 7, 8])
      expect(res.body).toContain(`<tr><td data-label="line">${line}</td>`);
    expect(res.body).toContain('duplicate of line 2');
    expect(res.body).toContain('address already exists');
    expect((await c.subscribers.getByEmail('csv1@example.com'))!.status).toBe('active');
    expect((await c.subscribers.getByEmail('csv8@example.com'))!.status).toBe('active');
    expect(await c.subscribers.getByEmail('csv3@example.com')).toBeUndefined();

    // Without "already confirmed" the new rows are pending and get the double opt-in email at once.
    const before = sink.messages.length;
    const pending = await b.upload(
      '/admin/subscribers/import',
      { _csrf: csrfOf(res) },
      { name: 'more.csv', content: 'email\nopt1@example.com\nopt2@example.com\nnope\n' },
    );
    expect(pending.body).toContain('data-field="imported">2<');
    expect(pending.body).toMatch(
      /data-field="opt-in">Confirmation email sent to <strong>2<\/strong> pending/,
    );
    await sink.waitFor(before + 2);
    expect(
      sink.messages
        .slice(before)
        .flatMap((m) => m.envelopeTo)
        .sort(),
    ).toEqual(['opt1@example.com', 'opt2@example.com']);
    expect((await c.subscribers.getByEmail('opt1@example.com'))!.status).toBe('pending');

    const empty = await b.follow(await b.upload('/admin/subscribers/import', { _csrf: csrfOf(res) }));
    expect(flashOf(empty)).toBe('Choose a CSV file to upload.');
    // Past the upload limit, or two files: one line in the dashboard's words, nothing imported.
    const big = await b.upload(
      '/admin/subscribers/import',
      { _csrf: csrfOf(empty) },
      { name: 'big.csv', content: `email\n${'big@example.com,\n'.repeat(1_400_000)}` },
    );
    expect(big.statusCode).toBe(413);
    // Above the app's 1 MB body limit for forms, below the upload's own: imported.
    const wide = await b.upload(
      '/admin/subscribers/import',
      { _csrf: csrfOf(empty), confirmed: 'on' },
      {
        name: 'wide.csv',
        content: `email,notes\n${Array.from({ length: 30 }, (_, i) => `wide${i}@example.com,${'x'.repeat(60_000)}`).join('\n')}\n`,
      },
    );
    expect(wide.body).toContain('data-field="imported">30<');
    expect(big.body).toContain(
      'The file is larger than 20 MB: split it, or import it with digest subscribers import.',
    );
    expect(await c.subscribers.getByEmail('big@example.com')).toBeUndefined();
    const headerless = await b.follow(
      await b.upload(
        '/admin/subscribers/import',
        { _csrf: csrfOf(empty) },
        { name: 'x.csv', content: 'who,what\na,b\n' },
      ),
    );
    expect(flashOf(headerless)).toMatch(
      /^Nothing imported: the first line must be a header with an "email" column/,
    );
  });

  it('edits preferences; a bad field changes nothing and says why', async () => {
    const sub = (await c.subscribers.getByEmail('reader2@readers.example'))!;
    const page = await b.get(`/admin/subscribers/${sub.id}`);
    expect(page.body).toContain('id="save-preferences"');
    const saved = await b.follow(
      await b.post(`/admin/subscribers/${sub.id}/preferences`, {
        _csrf: csrfOf(page),
        name: 'Reader Two',
        topics: ['policy'],
        timezone: 'Asia/Tokyo',
        hour: '21',
        locale: 'fr',
        format: 'text',
      }),
    );
    expect(flashOf(saved)).toBe('Preferences saved.');
    expect(await c.subscribers.get(sub.id)).toMatchObject({
      name: 'Reader Two',
      topics: ['policy'],
      timezone: 'Asia/Tokyo',
      hour: 21,
      locale: 'fr',
      format: 'text',
    });
    const history = await c.subscribers.history(sub.id);
    expect(history.at(-1)).toMatchObject({ origin: 'admin', event: 'preferences' });

    const bad = await b.follow(
      await b.post(`/admin/subscribers/${sub.id}/preferences`, {
        _csrf: csrfOf(saved),
        timezone: 'Asia/Tokyo',
        hour: '24',
      }),
    );
    expect(flashOf(bad)).toMatch(/^Not saved: hour "24" is not a whole hour from 0 to 23/);
    expect((await c.subscribers.get(sub.id))!.hour).toBe(21);
  });

  it('unsubscribes, and forgets only after the confirmation step', async () => {
    const sub = (await c.subscribers.getByEmail('reader4@readers.example'))!;
    const page = await b.get(`/admin/subscribers/${sub.id}`);
    const done = await b.follow(
      await b.post(`/admin/subscribers/${sub.id}/unsubscribe`, { _csrf: csrfOf(page) }),
    );
    expect(flashOf(done)).toBe('reader4@readers.example is unsubscribed: no further digest goes to them.');
    expect((await c.subscribers.get(sub.id))!.status).toBe('unsubscribed');
    const resend = await b.follow(
      await b.post(`/admin/subscribers/${sub.id}/confirm-resend`, { _csrf: csrfOf(done) }),
    );
    expect(flashOf(resend)).toBe('reader4@readers.example is unsubscribed: there is nothing to confirm.');

    const confirm = await b.get(`/admin/subscribers/${sub.id}/forget`);
    expect(confirm.body).toContain('Forget reader4@readers.example?');
    // Without the confirmation field the POST only leads to the confirmation page.
    const skipped = await b.post(`/admin/subscribers/${sub.id}/forget`, { _csrf: csrfOf(confirm) });
    expect(skipped.headers.location).toBe(`/admin/subscribers/${sub.id}/forget`);
    expect(await c.subscribers.get(sub.id)).toBeDefined();
    const gone = await b.follow(
      await b.post(`/admin/subscribers/${sub.id}/forget`, { _csrf: csrfOf(confirm), confirm: 'yes' }),
    );
    expect(flashOf(gone)).toMatch(/^Forgotten: every record of reader4@readers.example is erased/);
    expect(await c.subscribers.get(sub.id)).toBeUndefined();
    expect(await c.subscribers.isSuppressed('reader4@readers.example')).toBe(true);
    expect((await b.get('/admin/subscribers')).body).toMatch(/data-count="forgotten">1</);
    // An operator cannot bring a forgotten address back.
    const readd = await b.follow(
      await b.post('/admin/subscribers', { _csrf: csrfOf(gone), email: 'reader4@readers.example' }),
    );
    expect(flashOf(readd)).toBe(
      'Not added: the address bounced, complained or was forgotten, so it is on the suppression list (only the person can sign up again).',
    );
    for (const url of [`/admin/subscribers/${sub.id}/forget`, '/admin/subscribers/not..an..id']) {
      const res = await b.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).toContain('No such subscriber');
    }
    for (const action of ['preferences', 'unsubscribe', 'forget', 'confirm-resend']) {
      const res = await b.post(`/admin/subscribers/${sub.id}/${action}`, {
        _csrf: csrfOf(confirm),
        confirm: 'yes',
        hour: '3',
      });
      expect(res.statusCode, action).toBe(404);
    }
    const after = await b.get(`/admin/subscribers/${sub.id}`);
    expect(after.statusCode).toBe(404);
    expect(after.body).toContain('No such subscriber');
    expect(after.body).toContain('href="/admin/assets/admin.css"');
  });

  it('adds a feed, collects one source now, shows its last result in our words, and removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-console-feed-'));
    copyFileSync(join(import.meta.dirname, '../fixtures/feeds/atom.xml'), join(dir, 'atom.xml'));
    const file = await c.sources.add({ url: join(dir, 'atom.xml'), kind: 'file', topics: [] }, new Date());

    const page = await b.get('/admin/sources');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Never collected yet.');
    const collected = await b.follow(
      await b.post(`/admin/sources/${file.id}/collect`, { _csrf: csrfOf(page) }),
    );
    expect(flashOf(collected)).toMatch(
      new RegExp(`^Collected ${join(dir, 'atom.xml')}: \\d+ new, 0 updated, 0 unchanged\\.$`),
    );
    expect(collected.body).toMatch(/data-field="result">\d+ new, 0 updated, 0 unchanged\.</);
    expect((await c.sources.get(file.id))!.lastFetch!.status).toBe('ok');

    const added = await b.follow(
      await b.post('/admin/sources', {
        _csrf: csrfOf(collected),
        url: 'https://feeds.example/space.xml',
        topics: 'lunar',
      }),
    );
    expect(flashOf(added)).toMatch(/^Added https:\/\/feeds\.example\/space\.xml\./);
    const source = (await c.sources.list()).find((s) => s.url === 'https://feeds.example/space.xml')!;
    expect(source.topics).toEqual(['lunar']);
    // A loopback address is refused by the fetcher's guard: the page says so and what it means.
    const local = await c.sources.add(
      { url: 'http://127.0.0.1:9/feed.xml', kind: 'url', topics: [] },
      new Date(),
    );
    const failed = await b.follow(
      await b.post(`/admin/sources/${local.id}/collect`, { _csrf: csrfOf(added) }),
    );
    expect(flashOf(failed)).toMatch(/^Collecting http:\/\/127\.0\.0\.1:9\/feed\.xml failed: /);
    expect(failed.body).toMatch(
      /data-field="result">Failed: [^<]+\. Nothing was stored from it this time\.</,
    );

    for (const [url, reason] of [
      ['/etc/passwd', 'is not a web address'],
      ['ftp://feeds.example/x', 'is not a web address'],
      ['https://user:pw@feeds.example/x', 'credentials in feed URLs are not supported'],
      ['', 'Give the address of a feed.'],
    ] as const) {
      const res = await b.follow(await b.post('/admin/sources', { _csrf: csrfOf(failed), url }));
      expect(flashOf(res), url).toContain(reason);
    }
    const unknownTopic = await b.follow(
      await b.post('/admin/sources', { _csrf: csrfOf(failed), url: 'https://x.example/f', topics: 'nope' }),
    );
    expect(flashOf(unknownTopic)).toBe('Not added: "nope" is not a topic of this publication.');

    const removed = await b.follow(
      await b.post(`/admin/sources/${source.id}/remove`, { _csrf: csrfOf(unknownTopic) }),
    );
    expect(flashOf(removed)).toMatch(/^Removed https:\/\/feeds\.example\/space\.xml\./);
    expect(await c.sources.get(source.id)).toBeUndefined();
    const again = await b.follow(
      await b.post(`/admin/sources/${source.id}/remove`, { _csrf: csrfOf(removed) }),
    );
    expect(flashOf(again)).toBe('That source does not exist (any more).');

    // A source of the publication file: marked so, and its removal is a conflict the home page warns of.
    const fileSource = (await c.sources.list()).find((s) => s.origin === 'file')!;
    expect(again.body).toContain('From the publication file');
    const dropped = await b.follow(
      await b.post(`/admin/sources/${fileSource.id}/remove`, { _csrf: csrfOf(again) }),
    );
    expect(flashOf(dropped)).toContain('The publication file still names it: it stays removed');
    expect((await b.get('/admin')).body).toMatch(/data-warning>Warning: [^<]*/);
  });

  it("the send form defaults to the readers' hours, and refusals speak the dashboard's words", async () => {
    const current = editionIdFor(new Date(), c.publication.timezone, c.publication.weekStartsOn);
    await seedArticles(c, current);
    const page = await b.get('/admin');
    const built = await b.post('/admin/editions', { _csrf: csrfOf(page), edition: current });
    const edition = await b.get(String(built.headers.location));
    expect(edition.body).toMatch(/<input type="radio" name="immediate" value="" id="send-at-hours" checked>/);
    expect(edition.body).toMatch(/<input type="radio" name="immediate" value="on" id="send-immediately">/);
    const confirm = await b.get(`/admin/editions/${current}/confirm?action=send&immediate=&force=on`);
    expect(confirm.body).toContain('at their delivery hours, each in their own time zone');
    const refused = await b.follow(
      await b.post(`/admin/editions/${current}/actions/send`, { _csrf: csrfOf(edition), confirm: 'yes' }),
    );
    expect(flashOf(refused)).toContain('is not over yet');
    expect(flashOf(refused)).toContain('tick "force"');
    expect(flashOf(refused)).not.toContain('--force');
    expect(defaultEditionId(c.publication, new Date())).not.toBe(current);
  });

  it('answers unknown dashboard addresses with its own 404 page, and the queue board links back', async () => {
    const res = await b.get('/admin/nothing/here');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('There is no dashboard page at this address.');
    expect(res.body).toContain('<nav aria-label="Dashboard">');
    const out = await new AdminClient(app).get('/admin/nothing');
    expect(out.statusCode).toBe(303);
    const board = await b.get('/admin/queues/');
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('Back to the dashboard');
    const pub = await app.inject({ url: '/no-such-page', headers: { accept: 'text/html' } });
    expect(pub.statusCode).toBe(404);
    expect(pub.body).toContain('<style>');
  });
});
