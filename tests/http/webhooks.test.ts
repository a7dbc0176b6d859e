/**
 * Relay webhooks through the real app (Fastify inject) on a real Redis, with the providers'
 * documented example payloads (tests/fixtures/webhooks/): a valid signed event applies once, even
 * when sent twice; a forged, unsigned or replayed one gets 401 and changes nothing. SNS certificates
 * are made here (selfsigned) and handed over by an injected fetcher.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { feedbackAddresses } from '../../src/feedback/feedback-address.ts';
import { type SnsMessage, snsStringToSign } from '../../src/feedback/webhooks/ses-sns-webhook.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';

const DIR = fileURLToPath(new URL('../fixtures/webhooks/', import.meta.url));
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';
const MAILGUN_KEY = 'mailgun-signing-key-0123456789';
const POSTMARK = { user: 'postmark', password: 'postmark-password-0123456789' };
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const snsKeys = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
  keyType: 'rsa',
  keySize: 2048,
  algorithm: 'sha256',
});

let c: Container;
let app: FastifyInstance;
const fetched: string[] = [];

beforeAll(async () => {
  c = await createTestContainer({
    smtpUrl: 'smtp://127.0.0.1:9?tls=off',
    env: {
      SES_SNS_TOPIC_ARNS: TOPIC,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      POSTMARK_WEBHOOK_USER: POSTMARK.user,
      POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey
        .export({ type: 'spki', format: 'der' })
        .toString('base64'),
    },
  });
  c.snsFetch = async (url) => {
    fetched.push(url);
    if (url === CERT_URL) return snsKeys.cert;
    return '<ConfirmSubscriptionResponse/>';
  };
  app = await buildApp(c);
});
afterAll(async () => {
  await app.close();
  await c.close();
});

/** A fixture with a reader's addresses put in. */
function fixture(name: string, reader: { id: string; email: string }, more: Record<string, string> = {}) {
  const { bounce } = feedbackAddresses('2026-W46', reader.id, c.linkKeys[0]!, c.bounceDomain);
  let text = readFileSync(`${DIR}${name}`, 'utf8')
    .replaceAll('__RETURN_PATH__', bounce)
    .replaceAll('__MESSAGE_ID_BARE__', `2026-W46.${reader.id}@orbit-weekly.example`)
    .replaceAll('__MESSAGE_ID__', `<2026-W46.${reader.id}@orbit-weekly.example>`)
    .replaceAll('__RECIPIENT__', reader.email);
  for (const [k, v] of Object.entries(more)) text = text.replaceAll(k, v);
  return text;
}

const snapshot = async (id: string) => ({
  status: (await c.subscribers.get(id))?.status,
  history: (await c.subscribers.history(id)).length,
});

function snsMessage(message: string, overrides: Partial<SnsMessage> = {}): SnsMessage {
  const m: SnsMessage = {
    Type: 'Notification',
    MessageId: randomBytes(8).toString('hex'),
    TopicArn: TOPIC,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    Signature: '',
    SigningCertURL: CERT_URL,
    ...overrides,
  };
  m.Signature = sign('sha256', Buffer.from(snsStringToSign(m)!), snsKeys.private).toString('base64');
  return m;
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('SES through SNS', () => {
  it('a signed bounce applies once, even sent twice; the certificate came from the SNS address', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'ses.example');
    const m = JSON.stringify(snsMessage(fixture('ses-bounce.json', reader!)));
    const first = await post('/webhooks/ses', m, { 'content-type': 'text/plain; charset=UTF-8' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: 1, applied: 1 });
    const after = await snapshot(reader!.id);
    expect(after.status).toBe('bounced');
    const again = await post('/webhooks/ses', m);
    expect(again.json()).toEqual({ received: 1, applied: 0 });
    expect(await snapshot(reader!.id)).toEqual(after);
    const last = (await c.subscribers.history(reader!.id)).at(-1);
    expect(last).toMatchObject({ origin: 'bounce', event: 'bounced' });
    expect(last?.detail).toContain('ses webhook, edition 2026-W46');
    expect(fetched).toContain(CERT_URL);
  });

  it('a complaint: complained', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'ses2.example');
    const res = await post(
      '/webhooks/ses',
      JSON.stringify(snsMessage(fixture('ses-complaint.json', reader!))),
    );
    expect(res.statusCode).toBe(200);
    expect((await snapshot(reader!.id)).status).toBe('complained');
  });

  it('forged, unsigned, replayed, foreign certificate or topic: 401 and nothing changes', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'ses3.example');
    const before = await snapshot(reader!.id);
    const good = snsMessage(fixture('ses-bounce.json', reader!));
    const forged = { ...good, Message: good.Message.replace('5.1.1', '5.1.2') };
    const unsigned = { ...good, Signature: undefined };
    const replayed = snsMessage(good.Message, {
      Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString(),
    });
    const otherTopic = snsMessage(good.Message, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:someone-else',
    });
    const evilCert = snsMessage(good.Message, {
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com.evil.example/x.pem',
    });
    for (const body of [forged, unsigned, replayed, otherTopic, evilCert]) {
      const res = await post('/webhooks/ses', JSON.stringify(body));
      expect(res.statusCode).toBe(401);
    }
    expect(fetched.some((u) => u.includes('evil'))).toBe(false);
    expect((await post('/webhooks/ses', 'not json')).statusCode).toBe(401);
    expect(await snapshot(reader!.id)).toEqual(before);
  });

  it('confirms a subscription by fetching its SubscribeURL (an SNS address only)', async () => {
    const url = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`;
    const m = snsMessage('You have chosen to subscribe', {
      Type: 'SubscriptionConfirmation',
      Token: 'abc',
      SubscribeURL: url,
    });
    const res = await post('/webhooks/ses', JSON.stringify(m));
    expect(res.json()).toEqual({ confirmed: true });
    expect(fetched).toContain(url);
  });
});

function mailgunBody(
  name: string,
  reader: { id: string; email: string },
  opts: { timestamp?: number; key?: string } = {},
) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  const signature = createHmac('sha256', opts.key ?? MAILGUN_KEY)
    .update(timestamp + token)
    .digest('hex');
  return fixture(name, reader, { __TIMESTAMP__: timestamp, __TOKEN__: token, __SIGNATURE__: signature });
}

describe('Mailgun', () => {
  it('a signed permanent failure applies once; the same request again is a replay (401)', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'mg.example');
    const body = mailgunBody('mailgun-failed-permanent.json', reader!);
    expect((await post('/webhooks/mailgun', body)).json()).toEqual({ received: 1, applied: 1 });
    const after = await snapshot(reader!.id);
    expect(after.status).toBe('bounced');
    expect((await post('/webhooks/mailgun', body)).statusCode).toBe(401);
    // Mailgun's retry of the same event, freshly signed: acknowledged, applied once.
    expect(
      (await post('/webhooks/mailgun', mailgunBody('mailgun-failed-permanent.json', reader!))).json(),
    ).toEqual({
      received: 1,
      applied: 0,
    });
    expect(await snapshot(reader!.id)).toEqual(after);
  });

  it('a complaint: complained', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'mg2.example');
    expect(
      (await post('/webhooks/mailgun', mailgunBody('mailgun-complained.json', reader!))).statusCode,
    ).toBe(200);
    expect((await snapshot(reader!.id)).status).toBe('complained');
  });

  it('forged, unsigned or outside the replay window: 401 and nothing changes', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'mg3.example');
    const before = await snapshot(reader!.id);
    const forged = mailgunBody('mailgun-failed-permanent.json', reader!, { key: 'another-key-0123456789' });
    const old = mailgunBody('mailgun-failed-permanent.json', reader!, {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const unsigned = JSON.stringify({ 'event-data': JSON.parse(forged)['event-data'] });
    for (const body of [forged, old, unsigned])
      expect((await post('/webhooks/mailgun', body)).statusCode).toBe(401);
    expect(await snapshot(reader!.id)).toEqual(before);
  });
});

describe('Postmark', () => {
  const auth = (user: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });

  it('a hard bounce with the right credentials applies once, sent twice', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'pm.example');
    const body = fixture('postmark-bounce.json', reader!);
    expect((await post('/webhooks/postmark', body, auth(POSTMARK.user, POSTMARK.password))).json()).toEqual({
      received: 1,
      applied: 1,
    });
    const after = await snapshot(reader!.id);
    expect(after.status).toBe('bounced');
    expect(
      (await post('/webhooks/postmark', body, auth(POSTMARK.user, POSTMARK.password))).json(),
    ).toMatchObject({
      applied: 0,
    });
    expect(await snapshot(reader!.id)).toEqual(after);
    // Identified by address only: the history names the relay, not an edition.
    expect((await c.subscribers.history(reader!.id)).at(-1)?.detail).toContain(
      'postmark webhook: HardBounce',
    );
  });

  it('a spam complaint: complained', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'pm2.example');
    const res = await post(
      '/webhooks/postmark',
      fixture('postmark-spam-complaint.json', reader!),
      auth(POSTMARK.user, POSTMARK.password),
    );
    expect(res.statusCode).toBe(200);
    expect((await snapshot(reader!.id)).status).toBe('complained');
  });

  it('wrong or missing credentials: 401 and nothing changes', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'pm3.example');
    const before = await snapshot(reader!.id);
    const body = fixture('postmark-bounce.json', reader!);
    expect(
      (await post('/webhooks/postmark', body, auth(POSTMARK.user, 'wrong-password-0123456789'))).statusCode,
    ).toBe(401);
    expect((await post('/webhooks/postmark', body)).statusCode).toBe(401);
    expect(await snapshot(reader!.id)).toEqual(before);
  });
});

describe('SendGrid', () => {
  const signed = (body: string, timestamp = String(Math.floor(Date.now() / 1000))) => ({
    'x-twilio-email-event-webhook-timestamp': timestamp,
    'x-twilio-email-event-webhook-signature': sign(
      'sha256',
      Buffer.from(timestamp + body),
      sendgridKeys.privateKey,
    ).toString('base64'),
  });

  it('a signed batch (bounce, spam report, delivered) applies once, sent twice', async () => {
    const [a, b] = await seedSubscribers(c, 2, () => 'active', 'sg.example');
    const body = fixture('sendgrid-events.json', a!, {
      __RECIPIENT2__: b!.email,
      __MESSAGE_ID2__: `<2026-W46.${b!.id}@orbit-weekly.example>`,
    });
    expect((await post('/webhooks/sendgrid', body, signed(body))).json()).toEqual({
      received: 2,
      applied: 2,
    });
    expect((await snapshot(a!.id)).status).toBe('bounced');
    expect((await snapshot(b!.id)).status).toBe('complained');
    const after = [await snapshot(a!.id), await snapshot(b!.id)];
    expect((await post('/webhooks/sendgrid', body, signed(body))).json()).toEqual({
      received: 2,
      applied: 0,
    });
    expect([await snapshot(a!.id), await snapshot(b!.id)]).toEqual(after);
  });

  it('forged, unsigned or outside the replay window: 401 and nothing changes', async () => {
    const [reader] = await seedSubscribers(c, 1, () => 'active', 'sg2.example');
    const before = await snapshot(reader!.id);
    const body = fixture('sendgrid-events.json', reader!, {
      __RECIPIENT2__: 'x@y.example',
      __MESSAGE_ID2__: '<x@y>',
    });
    const forged = { ...signed(body), 'x-twilio-email-event-webhook-timestamp': '1' };
    const old = signed(body, String(Math.floor(Date.now() / 1000) - 3600));
    expect((await post('/webhooks/sendgrid', body, forged)).statusCode).toBe(401);
    expect((await post('/webhooks/sendgrid', body)).statusCode).toBe(401);
    expect((await post('/webhooks/sendgrid', body, old)).statusCode).toBe(401);
    expect((await post('/webhooks/sendgrid', body.replace('5.1.1', '5.1.2'), signed(body))).statusCode).toBe(
      401,
    );
    expect(await snapshot(reader!.id)).toEqual(before);
  });
});

it('a webhook whose secret is not configured is not there (404)', async () => {
  const bare = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:9?tls=off' });
  const bareApp = await buildApp(bare);
  try {
    for (const p of ['ses', 'mailgun', 'postmark', 'sendgrid']) {
      expect(
        (
          await bareApp.inject({
            method: 'POST',
            url: `/webhooks/${p}`,
            payload: '{}',
            headers: { 'content-type': 'application/json' },
          })
        ).statusCode,
      ).toBe(404);
    }
  } finally {
    await bareApp.close();
    await bare.close();
  }
});
