/**
 * A forgotten person may come back by signing up and confirming (issue 21: before, `forget` put the
 * address in the suppression set and a new sign-up was silently dropped for ever). Bounced and
 * complained addresses stay suppressed, forgotten or not, and operators cannot bring back a forgotten
 * address by adding or importing it. Real Redis, real SMTP (STARTTLS sink), Fastify inject.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importSubscribersCsv } from '../../src/subscribers/csv-import.ts';
import { SuppressedAddressError } from '../../src/subscribers/subscriber-store.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});
let ip = 0;

describe('a forgotten person signs up again', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.sink.messages.length = 0;
  });

  const subscribe = (email: string) =>
    world.app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: `10.9.0.${++ip}`,
      ...form({ email }),
    });
  const add = (email: string, status: 'active' | 'bounced' | 'complained') =>
    world.container.subscribers.create({ email, status, timezone: 'UTC', hour: 8, locale: '' }, 'admin');

  it('gets the confirmation email, and is active and no longer forgotten once confirmed', async () => {
    const { subscribers } = world.container;
    const { subscriber: before } = await add('back@example.com', 'active');
    await subscribers.forget(before.id);
    expect(await subscribers.getByEmail('back@example.com')).toBeUndefined();
    expect(await subscribers.isForgotten('back@example.com')).toBe(true);
    expect(await subscribers.isSuppressed('back@example.com')).toBe(true);

    const res = await subscribe('back@example.com');
    expect(res.statusCode).toBe(200);
    await world.sink.waitFor(1);
    const mail = world.sink.messages[0]!;
    expect(mail.envelopeTo).toEqual(['back@example.com']);
    const confirmUrl = /https:\/\/digest\.test(\/c\/\S+)/.exec(mail.parsed.text ?? '')?.[1];
    expect(confirmUrl).toBeTruthy();
    const pending = (await subscribers.getByEmail('back@example.com'))!;
    expect(pending.status).toBe('pending');
    expect(pending.id).not.toBe(before.id);
    // Still forgotten until the person confirms: nobody else can use the pending record to mail them.
    expect(await subscribers.isForgotten('back@example.com')).toBe(true);

    const confirmed = await world.app.inject({
      method: 'POST',
      url: confirmUrl!,
      remoteAddress: '203.0.113.4',
    });
    expect(confirmed.statusCode).toBe(200);
    expect((await subscribers.get(pending.id))!.status).toBe('active');
    expect(await subscribers.isForgotten('back@example.com')).toBe(false);
    expect(await subscribers.isSuppressed('back@example.com')).toBe(false);
  });

  it('an operator cannot bring back a forgotten address, by add or by import', async () => {
    const { subscribers, publication } = world.container;
    const { subscriber } = await add('erased@example.com', 'active');
    await subscribers.forget(subscriber.id);
    await expect(add('erased@example.com', 'active')).rejects.toBeInstanceOf(SuppressedAddressError);
    const report = await importSubscribersCsv(
      Readable.from(['email\nerased@example.com\nother@example.com\n']),
      { store: subscribers, publication },
      { confirmed: true, now: new Date() },
    );
    expect(report.imported).toBe(1);
    expect(report.rejected).toEqual([
      { line: 2, reason: 'address is suppressed (bounced, complained or forgotten)' },
    ]);
    expect(await subscribers.getByEmail('erased@example.com')).toBeUndefined();
  });

  // Last: it closes the app, whose onClose waits for every sign-up still running.
  it('bounced and complained addresses stay suppressed, forgotten or not: the sign-up mails nobody', async () => {
    const { subscribers, confirmationThrottle } = world.container;
    const { subscriber: bounced } = await add('bounced@example.com', 'bounced');
    await add('complained@example.com', 'complained');
    await subscribers.forget(bounced.id);
    for (const email of ['bounced@example.com', 'complained@example.com']) {
      const res = await subscribe(email);
      expect(res.statusCode).toBe(200);
    }
    await subscribe('marker@example.com');
    await world.app.close();
    await world.sink.waitFor(1);
    expect(world.sink.messages.map((m) => m.envelopeTo[0])).toEqual(['marker@example.com']);
    // Nobody even tried to mail them: their one-a-day slot is still free.
    expect(await confirmationThrottle.claim('bounced@example.com')).toBe(true);
    expect(await confirmationThrottle.claim('complained@example.com')).toBe(true);
    expect(await subscribers.getByEmail('bounced@example.com')).toBeUndefined();
    expect((await subscribers.getByEmail('complained@example.com'))!.status).toBe('complained');
    expect(await subscribers.isSuppressed('bounced@example.com')).toBe(true);
  });
});
