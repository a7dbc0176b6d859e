/**
 * The public pages and the sign-up mails in the reader's language, and the locale checked at every
 * HTTP entry (sign-up form and JSON, preference center, admin API) with one readable line.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';

const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  return { payload: params.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
};
let ip = 0;
const freshIp = () => `10.77.${(ip >> 8) & 255}.${ip++ & 255}`;
const UNKNOWN = 'unknown locale "xx" (one of en, de, fr, es, pt-BR, ar, or a regional form such as de-AT)';
// What a reader reads instead (the publication's language: the form named no language we have).
const UNKNOWN_FOR_READERS = '“xx” is not a language we offer: please choose one from the list.';

describe('pages and sign-up mails in the reader’s language', () => {
  let sink: SmtpSink;
  let container: Container;
  let app: FastifyInstance;
  let world: HttpWorld;

  beforeAll(async () => {
    world = await startHttpWorld();
    ({ sink, container, app } = world);
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    sink.messages.length = 0;
  });

  it('a German sign-up gets German pages and a German confirmation mail, and is stored as de', async () => {
    const page = await app.inject({ method: 'GET', url: '/subscribe?locale=de' });
    expect(page.body).toContain('<html lang="de" dir="ltr">');
    expect(page.body).toContain('Orbit Weekly abonnieren');
    expect(page.body).toMatch(/<option value="de" lang="de" selected>Deutsch<\/option>/);

    const res = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      ...form({ email: 'greta@example.com', locale: 'de', topics: ['lunar'] }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Bitte sehen Sie in Ihr Postfach');
    await sink.waitFor(1);
    const mail = sink.messages[0]!.parsed;
    expect(mail.subject).toBe('Bitte bestätigen Sie Ihr Abonnement von Orbit Weekly');
    expect(String(mail.html)).toContain('lang="de"');
    expect(mail.text).toContain('Hier bestätigen (der Link ist 7 Tage gültig):');
    const stored = await container.subscribers.getByEmail('greta@example.com');
    expect(stored?.locale).toBe('de');

    const confirmUrl = /https?:\/\/\S+\/c\/[\w.-]+/.exec(mail.text ?? '')![0];
    const confirm = await app.inject({ method: 'GET', url: new URL(confirmUrl).pathname });
    expect(confirm.body).toContain(
      'Klicken Sie auf den Button, um Orbit Weekly an <strong>greta@example.com</strong> zu erhalten.',
    );
  });

  it('an Arabic reader’s preference center and unsubscribe page are right to left and in Arabic', async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'layla@example.com', status: 'active', timezone: 'Asia/Dubai', hour: 8, locale: 'ar' },
      'admin',
    );
    const links = subscriberLinks(
      container.publicUrl,
      subscriber.id,
      container.linkKeys,
      Math.floor(Date.now() / 1000),
    );
    const prefs = await app.inject({ method: 'GET', url: new URL(links.preferences).pathname });
    expect(prefs.body).toContain('<html lang="ar" dir="rtl">');
    expect(prefs.body).toContain('حفظ التفضيلات');
    // Every page is in Arabic (no English falls through).
    const unsubscribe = await app.inject({ method: 'GET', url: new URL(links.unsubscribe).pathname });
    expect(unsubscribe.body).toContain('dir="rtl"');
    expect(unsubscribe.body).toContain('إلغاء الاشتراك في Orbit Weekly؟');
    expect(unsubscribe.body).not.toMatch(/>Unsubscribe|Change my preferences/);
  });

  it('the preference center saves a language and refuses an unknown one with one line', async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'pierre@example.com', status: 'active', timezone: 'Europe/Paris', hour: 8, locale: '' },
      'admin',
    );
    const path = new URL(
      subscriberLinks(container.publicUrl, subscriber.id, container.linkKeys, Math.floor(Date.now() / 1000))
        .preferences,
    ).pathname;
    const bad = await app.inject({ method: 'POST', url: path, ...form({ action: 'save', locale: 'xx' }) });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain(`<li>${UNKNOWN_FOR_READERS}</li>`);
    const saved = await app.inject({ method: 'POST', url: path, ...form({ action: 'save', locale: 'fr' }) });
    expect(saved.statusCode).toBe(200);
    // The answer is already in the chosen language.
    expect(saved.body).toContain('<html lang="fr" dir="ltr">');
    expect(saved.body).toContain('Enregistré.');
    expect(saved.body).toMatch(/Langue\u00a0?: .* → Français|Langue: langue de la publication → français/);
    expect((await container.subscribers.get(subscriber.id))?.locale).toBe('fr');
  });

  it('the sign-up form and its JSON tell a refused address in the reader’s language', async () => {
    const formRes = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      ...form({ email: 'greta.example.com', locale: 'de' }),
    });
    expect(formRes.statusCode).toBe(400);
    expect(formRes.body).toContain('<html lang="de" dir="ltr">');
    expect(formRes.body).toContain('<p>In der E-Mail-Adresse fehlt das @.</p>');
    const json = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      headers: { 'content-type': 'application/json' },
      payload: { email: 'ana@correo', locale: 'es', name: 'Ana' },
    });
    expect(json.statusCode).toBe(400);
    expect(JSON.parse(json.body)).toEqual({
      error: 'El dominio «correo» no tiene una terminación pública como .es o .com.',
    });
    const missing = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      ...form({ email: '', locale: 'fr' }),
    });
    expect(missing.body).toContain('<p>Veuillez saisir votre adresse e-mail.</p>');
    const ok = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      headers: { 'content-type': 'application/json' },
      payload: { email: 'ana@correo.example', locale: 'es' },
    });
    expect(JSON.parse(ok.body)).toEqual({
      status: 'ok',
      message:
        'Si la dirección puede recibir Orbit Weekly, le hemos enviado un correo. Ábrelo y confirma para empezar tu suscripción.',
    });
    await sink.waitFor(1);
  });

  it('too many sign-ups, or a body that cannot be read, are told in the reader’s language, not the library’s', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await app.inject({
        method: 'POST',
        url: '/subscribe',
        remoteAddress: ip,
        ...form({ email: `kein-at-${i}`, locale: 'de' }),
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.every((c) => c === 400)).toBe(true);
    const limited = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: ip,
      ...form({ email: 'greta@example.com', locale: 'de' }),
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.headers['content-type']).toContain('text/html');
    expect(limited.body).toContain('<html lang="de" dir="ltr">');
    expect(limited.body).toContain(
      'Von Ihrer Verbindung kamen zu viele Anfragen. Bitte warten Sie einige Minuten und versuchen Sie es dann noch einmal.',
    );
    expect(limited.body).not.toMatch(/Rate limit exceeded/);
    const limitedJson = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
      payload: { email: 'ana@example.com', locale: 'es' },
    });
    expect(limitedJson.statusCode).toBe(429);
    expect(JSON.parse(limitedJson.body)).toEqual({
      error:
        'Han llegado demasiadas solicitudes desde tu conexión. Espera unos minutos y vuelve a intentarlo.',
    });
    // A body that is not JSON: the publication's language (the request named none we could read).
    const broken = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(JSON.parse(broken.body)).toEqual({
      error: 'This form could not be read. Please go back and send it again.',
    });
    expect(sink.messages).toHaveLength(0);
  });

  it('sign-up form, JSON and the admin API refuse an unknown locale with one line', async () => {
    const formRes = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      ...form({ email: 'x1@example.com', locale: 'xx' }),
    });
    expect(formRes.statusCode).toBe(400);
    expect(formRes.body).toContain(UNKNOWN_FOR_READERS);
    const json = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      headers: { 'content-type': 'application/json' },
      payload: { email: 'x2@example.com', locale: 'xx' },
    });
    expect(json.statusCode).toBe(400);
    expect(JSON.parse(json.body)).toEqual({ error: UNKNOWN_FOR_READERS });
    // Operators read the English line.
    const api = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: { authorization: `Bearer ${container.adminToken}` },
      payload: { email: 'x3@example.com', locale: 'xx' },
    });
    expect(api.statusCode).toBe(400);
    expect(JSON.parse(api.body)).toEqual({ error: UNKNOWN });
    const ok = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: { authorization: `Bearer ${container.adminToken}` },
      payload: { email: 'x4@example.com', locale: 'pt-br' },
    });
    expect(JSON.parse(ok.body).subscriber.locale).toBe('pt-BR');
    // Only the accepted pending subscriber is mailed (the API's double opt-in), none of the refused.
    await sink.waitFor(1);
    expect(sink.messages.map((m) => m.envelopeTo)).toEqual([['x4@example.com']]);
  });

  it('an unknown path answers the plain 404 in the publication’s language', async () => {
    const res = await app.inject({ method: 'GET', url: '/no/such/page' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('<html lang="en-GB" dir="ltr">');
    expect(res.body).toContain('This link is not valid.');
  });
});
