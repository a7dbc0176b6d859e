/**
 * Issue 18 #2: a quoted local part smuggled recipients. `normaliseEmail` stripped the quotes, so
 * `"attacker@evil.example;victim"@readers.example` became two recipients (the confirmation link went to
 * the attacker) and `"x victim"@readers.example` mailed one victim past the one-per-day limit. Every
 * entry now applies one grammar (src/subscribers/normalise-email.ts) and refuses both with a reason in
 * our words; stored addresses that fail it are reported by `digest subscribers check-addresses`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { subscriberKey } from '../../src/redis/key-layout.ts';
import { digestCli } from '../helpers/cli.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const SMUGGLERS = ['"attacker@evil.example;victim"@readers.example', '"x victim"@readers.example'];
const REASON = /quotation marks|quoted/;
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

describe('one address grammar at every HTTP entry (issue 18 #2)', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());
  const nobodyStored = async () => {
    const counts = await world.container.subscribers.counts();
    return Object.values(counts).every((n) => n === 0);
  };

  it('sign-up (form and JSON) refuses both with a reason, stores nobody and mails nobody', async () => {
    let ip = 1;
    for (const email of SMUGGLERS) {
      const form = await world.app.inject({
        method: 'POST',
        url: '/subscribe',
        remoteAddress: `192.0.2.${ip++}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email }).toString(),
      });
      expect(form.statusCode).toBe(400);
      expect(form.body).toMatch(REASON);
      const json = await world.app.inject({
        method: 'POST',
        url: '/subscribe',
        remoteAddress: `192.0.2.${ip++}`,
        payload: { email },
      });
      expect(json.statusCode).toBe(400);
      expect(JSON.parse(json.body).error).toMatch(REASON);
    }
    expect(await nobodyStored()).toBe(true);
    // A refused request starts no sign-up, so the only mail that ever comes is this one.
    const ok = await world.app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: '192.0.2.99',
      payload: { email: 'victim@readers.example' },
    });
    expect(ok.statusCode).toBe(200);
    await world.sink.waitFor(1);
    expect(world.sink.messages.map((m) => m.envelopeTo)).toEqual([['victim@readers.example']]);
    await world.container.subscribers.forget(
      (await world.container.subscribers.getByEmail('victim@readers.example'))!.id,
    );
  });

  it('the admin API (add and CSV import) refuses both with a reason', async () => {
    for (const email of SMUGGLERS) {
      const res = await world.app.inject({
        method: 'POST',
        url: '/api/subscribers',
        headers: ADMIN,
        payload: { email, confirmed: true },
      });
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).error).toMatch(REASON);
    }
    const csv = ['email,name', ...SMUGGLERS.map((e) => `"${e.replaceAll('"', '""')}",X`)].join('\n');
    const imported = await world.app.inject({
      method: 'POST',
      url: '/api/subscribers/import?confirmed=true',
      headers: { ...ADMIN, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(imported.statusCode).toBe(200);
    const report = JSON.parse(imported.body);
    expect(report.imported).toBe(0);
    expect(report.rejected).toHaveLength(2);
    for (const r of report.rejected) expect(r.reason).toMatch(REASON);
  });

  it('IDN domains are stored in one canonical (punycode) form whichever way they are written', async () => {
    const first = await world.app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: ADMIN,
      payload: { email: 'Ann@Bücher.Example', confirmed: true },
    });
    expect(first.statusCode).toBe(201);
    expect(JSON.parse(first.body).subscriber.email).toBe('ann@xn--bcher-kva.example');
    const again = await world.app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: ADMIN,
      payload: { email: 'ann@xn--bcher-kva.example', confirmed: true },
    });
    expect(JSON.parse(again.body).created).toBe(false);
  });

  it('the preference center never takes an address from its form', async () => {
    const { subscriber } = await world.container.subscribers.create(
      { email: 'prefs@readers.example', status: 'active', timezone: 'UTC', hour: 8, locale: 'en-GB' },
      'admin',
    );
    const url = subscriberLinks(
      world.container.publicUrl,
      subscriber.id,
      world.container.linkKeys,
      Math.floor(Date.now() / 1000),
    ).preferences;
    const res = await world.app.inject({
      method: 'POST',
      url: new URL(url).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ action: 'save', email: SMUGGLERS[0]!, name: 'P' }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect((await world.container.subscribers.get(subscriber.id))!.email).toBe('prefs@readers.example');
  });
});

describe('one address grammar in the CLI (issue 18 #2)', () => {
  const prefix = uniquePrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'nd-smuggle-'));
  const digest = digestCli({ prefix, dataDir });
  const redis = testRedis();
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('subscribers add, subscribers import and test-send --to refuse both in one line', () => {
    for (const email of SMUGGLERS) {
      const add = digest('subscribers', 'add', email, '--confirmed');
      expect(add.code).toBe(2);
      const line = add.err.trim().split('\n').at(-1)!;
      expect(line).toMatch(REASON);
      expect(line).toContain(email);
      const send = digest('test-send', '2026-W47', '--to', email);
      expect(send.code).toBe(2);
      expect(send.err.trim().split('\n').at(-1)).toMatch(REASON);
    }
    const csv = join(dataDir, 'smuggle.csv');
    writeFileSync(
      csv,
      [
        'email,name',
        ...SMUGGLERS.map((e) => `"${e.replaceAll('"', '""')}",X`),
        'fine@readers.example,F',
      ].join('\n'),
    );
    const imported = digest('subscribers', 'import', csv, '--confirmed');
    expect(imported.code).toBe(1);
    expect(imported.out).toContain('imported 1 of 3 rows; 2 rejected');
    expect(imported.out).toMatch(/line 2: invalid email address .*quotation marks/);
    expect(imported.out).toMatch(/line 3: invalid email address .*quotation marks/);
  }, 120_000);

  it('subscribers check-addresses reports stored addresses that fail the grammar', async () => {
    // What an older version stored for the two smugglers (quotes stripped), and an IDN kept in Unicode.
    const add = (email: string) => digest('subscribers', 'add', email, '--json');
    const ids = ['legacy1@readers.example', 'legacy2@readers.example', 'legacy3@readers.example'].map(
      (e) => JSON.parse(add(e).out).subscriber.id as string,
    );
    const stored = [
      'attacker@evil.example;victim@readers.example',
      'x victim@readers.example',
      'ann@bücher.example',
    ];
    for (const [i, id] of ids.entries()) await redis.hset(subscriberKey(prefix, id), 'email', stored[i]!);

    const report = digest('subscribers', 'check-addresses', '--json');
    expect(report.code).toBe(1);
    const parsed = JSON.parse(report.out);
    expect(parsed.checked).toBe(4); // the three above and fine@ from the import test
    expect(parsed.nonconforming).toHaveLength(3);
    expect(parsed.nonconforming).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: ids[0],
          email: stored[0],
          reason: expect.stringMatching(/more than one/),
        }),
        expect.objectContaining({ id: ids[1], email: stored[1], reason: expect.stringMatching(/space/) }),
        expect.objectContaining({ id: ids[2], canonical: 'ann@xn--bcher-kva.example' }),
      ]),
    );
    const text = digest('subscribers', 'check-addresses');
    expect(text.out).toContain('checked 4 addresses; 3 do not follow the address rules');
  }, 120_000);
});
