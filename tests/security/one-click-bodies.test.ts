/**
 * Issue 18 #4: RFC 8058 says a one-click POST must work whatever its body. The probe got 500 for a
 * truncated multipart body or one without a boundary, 400 for JSON `{bad`, 413 for a 5 KB file part,
 * and the subscriber stayed active. Every such body now gets 200 and the person is unsubscribed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CLICK_BODY_LIMIT } from '../../src/http/routes/unsubscribe.ts';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

const B = '----nd-probe';
const part = (name: string, value: string) =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const filePart = `--${B}\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'x'.repeat(5 * 1024)}\r\n`;

const BODIES: Record<string, { payload?: string | Buffer; headers?: Record<string, string> }> = {
  'truncated multipart': {
    payload: part('List-Unsubscribe', 'One-Click').slice(0, 40),
    headers: { 'content-type': `multipart/form-data; boundary=${B}` },
  },
  'multipart without a boundary': {
    payload: `${part('List-Unsubscribe', 'One-Click')}--${B}--\r\n`,
    headers: { 'content-type': 'multipart/form-data' },
  },
  'a 5 KB file part': {
    payload: `${part('List-Unsubscribe', 'One-Click')}${filePart}--${B}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary=${B}` },
  },
  'many multipart fields': {
    payload: `${Array.from({ length: 50 }, (_, i) => part(`f${i}`, 'v')).join('')}--${B}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary=${B}` },
  },
  'invalid JSON {bad': { payload: '{bad', headers: { 'content-type': 'application/json' } },
  'JSON that is fine': {
    payload: '{"List-Unsubscribe":"One-Click"}',
    headers: { 'content-type': 'application/json' },
  },
  'broken urlencoded': {
    payload: 'List-Unsubscribe=%E0%A4%A&&=',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  'an unknown type': { payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'x-foo/bar' } },
  'a malformed Content-Type': { payload: 'x', headers: { 'content-type': 'multipart/form-data; boundary' } },
  'binary octets': {
    payload: Buffer.from([0, 255, 1, 254, 13, 10]),
    headers: { 'content-type': 'application/octet-stream' },
  },
  'a body without a Content-Type': { payload: 'List-Unsubscribe=One-Click' },
  'no body at all': {},
};

describe('one-click unsubscribe accepts any body up to the limit (issue 18 #4)', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());

  const freshSubscriber = async (label: string) => {
    const email = `oneclick-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}@readers.example`;
    const { subscriber } = await world.container.subscribers.create(
      { email, status: 'active', timezone: 'UTC', hour: 8, locale: 'en-GB' },
      'admin',
    );
    const url = subscriberLinks(
      world.container.publicUrl,
      subscriber.id,
      world.container.linkKeys,
      Math.floor(Date.now() / 1000),
    ).unsubscribe;
    return { id: subscriber.id, path: new URL(url).pathname };
  };

  for (const [what, request] of Object.entries(BODIES)) {
    it(`${what}: 200 and unsubscribed`, async () => {
      const { id, path } = await freshSubscriber(what);
      const res = await world.app.inject({ method: 'POST', url: path, ...request });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toContain('You are unsubscribed');
      expect((await world.container.subscribers.get(id))!.status).toBe('unsubscribed');
    });
  }

  it('a body over the limit gets 413 and a forged token 404, whatever the body', async () => {
    const { id, path } = await freshSubscriber('too-big');
    const big = await world.app.inject({
      method: 'POST',
      url: path,
      payload: 'x'.repeat(ONE_CLICK_BODY_LIMIT + 1),
      headers: { 'content-type': 'text/plain' },
    });
    expect(big.statusCode).toBe(413);
    expect((await world.container.subscribers.get(id))!.status).toBe('active');
    const forged = await world.app.inject({
      method: 'POST',
      url: `${path.slice(0, -4)}AAAA`,
      ...BODIES['invalid JSON {bad'],
    });
    expect(forged.statusCode).toBe(404);
  });
});
