/**
 * What the dashboard changes about subscribers, each a POST with the form's CSRF token (checked in
 * admin-routes.ts) answered by a redirect with a one-line message: add one person (the double opt-in
 * email goes at once unless "already confirmed" is ticked, through the sign-up form's throttle), upload
 * a CSV (csv-import.ts: good rows go in, bad rows come back with their line and reason), edit one
 * person's preferences, unsubscribe, send the confirmation again, forget (after a confirmation page).
 * The same store calls and checks as `digest subscribers ...` and `/api/subscribers`.
 */
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UserError } from '../../../errors/user-error.ts';
import { checkLocale } from '../../../i18n/locale-tag.ts';
import { confirmationDeps, resendConfirmations } from '../../../subscribers/confirm-resend.ts';
import { CsvHeaderError, importSubscribersCsv } from '../../../subscribers/csv-import.ts';
import { createOptInMailer } from '../../../subscribers/opt-in-mail.ts';
import { addSubscriber } from '../../../subscribers/subscriber-admin.ts';
import { checkHour, checkTimezone, checkTopics, cleanName } from '../../../subscribers/subscriber-input.ts';
import { SubscriberNotFoundError, type SubscriberPatch } from '../../../subscribers/subscriber-store.ts';
import type { AdminContext } from './admin-context.ts';
import { notFound, subscriberIdParams } from './subscriber-admin-pages.ts';

/** Largest CSV the upload form takes (the CLI and the API stream files of any size). */
export const MAX_UPLOAD_MB = 20;
/** Rejected rows listed on the report page; the rest are counted. */
const REPORT_ROWS = 500;

const text = z.string().max(1000).optional();
const topicsField = z.union([z.string(), z.array(z.string())]).optional();
const addBody = z.object({
  email: text,
  name: text,
  topics: topicsField,
  timezone: text,
  hour: text,
  locale: text,
  confirmed: text,
});
const preferenceBody = z.object({
  name: text,
  topics: topicsField,
  timezone: text,
  hour: text,
  locale: text,
  format: text,
});
const list = (v: string | string[] | undefined) => (v === undefined ? [] : [v].flat());
/** A form body that is not what our forms send (a field of 1,000+ characters, a field given twice). */
const UNREADABLE =
  'That form could not be read (a field too long, or given twice): reload the page and try again.';

export async function subscriberAdminActions(app: FastifyInstance, ctx: AdminContext): Promise<void> {
  const { container: c } = ctx;
  // The upload form's file is held in memory (up to MAX_UPLOAD_MB), then streamed into the importer.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_UPLOAD_MB * 1024 * 1024, files: 1, fields: 10, parts: 11 },
  });
  const back = (req: FastifyRequest, reply: FastifyReply, to: string, kind: 'ok' | 'error', t: string) =>
    ctx.redirect(req, reply, to, { kind, text: t });

  app.post('/admin/subscribers', async (req, reply) => {
    const body = addBody.safeParse(req.body ?? {});
    if (!body.success) return back(req, reply, '/admin/subscribers#add', 'error', UNREADABLE);
    const { confirmed, topics, ...raw } = body.data;
    let outcome: Awaited<ReturnType<typeof addSubscriber>>;
    try {
      outcome = await addSubscriber(
        c.subscribers,
        c.publication,
        { ...raw, topics: list(topics) },
        { confirmed: confirmed === 'on', now: ctx.clock() },
      );
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return back(req, reply, '/admin/subscribers#add', 'error', `Not added: ${err.dashboard}.`);
    }
    const { subscriber: s, created } = outcome;
    const to = `/admin/subscribers/${s.id}`;
    if (!created)
      return back(
        req,
        reply,
        to,
        'error',
        `${s.email} is already a subscriber (${s.status}); nothing changed.`,
      );
    if (s.status !== 'pending') return back(req, reply, to, 'ok', `Added ${s.email} as ${s.status}.`);
    try {
      const r = await resendConfirmations(confirmationDeps(c), [s], ctx.clock());
      return back(
        req,
        reply,
        to,
        'ok',
        r.mailed
          ? `Added ${s.email} as pending: the confirmation email is on its way; they become active when they confirm.`
          : `Added ${s.email} as pending; a confirmation email went to this address in the last 24 hours, so none was sent now.`,
      );
    } catch {
      return back(
        req,
        reply,
        to,
        'error',
        `Added ${s.email} as pending, but the confirmation email could not be sent (the mail server did not take it). Try "Send the confirmation email again" below later.`,
      );
    }
  });

  app.post('/admin/subscribers/import', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const file = body.file;
    if (!Buffer.isBuffer(file) || file.length === 0)
      return back(req, reply, '/admin/subscribers#import', 'error', 'Choose a CSV file to upload.');
    let report: Awaited<ReturnType<typeof importSubscribersCsv>>;
    // Double opt-in, as the CLI and the API: rows stored pending get the confirmation email.
    const optIn = createOptInMailer(confirmationDeps(c), ctx.clock());
    try {
      report = await importSubscribersCsv(
        Readable.from([file]),
        { store: c.subscribers, publication: c.publication },
        { confirmed: body.confirmed === 'on', now: ctx.clock(), onPending: optIn.mail },
      );
    } catch (err) {
      if (!(err instanceof CsvHeaderError || err instanceof UserError)) throw err;
      return back(
        req,
        reply,
        '/admin/subscribers#import',
        'error',
        `Nothing imported: ${err instanceof UserError ? err.dashboard : err.message}.`,
      );
    }
    return ctx.page(req, reply, 'subscriber-import', {
      section: 'subscribers',
      report,
      optIn: optIn.report,
      mailed: optIn.report.sent + optIn.report.throttled + optIn.report.notSent > 0,
      confirmed: body.confirmed === 'on',
      shown: report.rejected.slice(0, REPORT_ROWS),
      more: Math.max(0, report.rejected.length - REPORT_ROWS),
    });
  });

  app.post('/admin/subscribers/:id/preferences', async (req, reply) => {
    const id = idOf(req);
    const to = `/admin/subscribers/${id}`;
    const body = preferenceBody.safeParse(req.body ?? {});
    if (!id || !body.success) return back(req, reply, to, 'error', UNREADABLE);
    const sub = await c.subscribers.get(id);
    if (!sub) return notFound(ctx, req, reply);
    const f = body.data;
    const name = cleanName(f.name ?? sub.name);
    const topics = checkTopics(list(f.topics), c.publication);
    const timezone = checkTimezone(f.timezone, sub.timezone);
    const hour = checkHour(f.hour, sub.hour);
    const locale = checkLocale(f.locale ?? sub.locale);
    const format = f.format === 'text' || f.format === 'html' ? f.format : sub.format;
    for (const checked of [name, topics, timezone, hour, locale])
      if (!checked.ok) return back(req, reply, to, 'error', `Not saved: ${checked.reason}.`);
    const patch: SubscriberPatch = {
      name: name.ok ? name.value : sub.name,
      topics: topics.ok ? topics.value : sub.topics,
      timezone: timezone.ok ? timezone.value : sub.timezone,
      hour: hour.ok ? hour.value : sub.hour,
      locale: locale.ok ? locale.value : sub.locale,
      format,
    };
    try {
      await c.subscribers.update(id, patch, 'admin', 'preferences', 'dashboard');
    } catch (err) {
      if (err instanceof SubscriberNotFoundError) return notFound(ctx, req, reply);
      throw err;
    }
    return back(req, reply, to, 'ok', 'Preferences saved.');
  });

  app.post('/admin/subscribers/:id/unsubscribe', async (req, reply) => {
    const id = idOf(req);
    const sub = id ? await c.subscribers.get(id) : undefined;
    if (!sub) return notFound(ctx, req, reply);
    const after = await c.subscribers.unsubscribe(sub.id, 'admin', 'dashboard');
    return back(
      req,
      reply,
      `/admin/subscribers/${sub.id}`,
      'ok',
      after.status === sub.status
        ? `${sub.email} was already ${sub.status}; nothing changed.`
        : `${sub.email} is unsubscribed: no further digest goes to them.`,
    );
  });

  app.post('/admin/subscribers/:id/confirm-resend', async (req, reply) => {
    const id = idOf(req);
    const sub = id ? await c.subscribers.get(id) : undefined;
    if (!sub) return notFound(ctx, req, reply);
    const to = `/admin/subscribers/${sub.id}`;
    if (sub.status !== 'pending')
      return back(req, reply, to, 'error', `${sub.email} is ${sub.status}: there is nothing to confirm.`);
    try {
      const r = await resendConfirmations(confirmationDeps(c), [sub], ctx.clock());
      return r.mailed
        ? back(req, reply, to, 'ok', `The confirmation email is on its way to ${sub.email}.`)
        : back(
            req,
            reply,
            to,
            'error',
            `A confirmation email went to ${sub.email} in the last 24 hours; not sent again.`,
          );
    } catch {
      return back(
        req,
        reply,
        to,
        'error',
        'The confirmation email could not be sent (the mail server did not take it). Try again later.',
      );
    }
  });

  app.post('/admin/subscribers/:id/forget', async (req, reply) => {
    const id = idOf(req);
    const sub = id ? await c.subscribers.get(id) : undefined;
    if (!sub) return notFound(ctx, req, reply);
    if ((req.body as { confirm?: string } | undefined)?.confirm !== 'yes')
      return ctx.redirect(req, reply, `/admin/subscribers/${sub.id}/forget`);
    await c.subscribers.forget(sub.id);
    c.logger.info(
      { event: 'subscriber.forgotten', subscriberId: sub.id, origin: 'admin' },
      'subscriber forgotten',
    );
    return back(
      req,
      reply,
      '/admin/subscribers',
      'ok',
      `Forgotten: every record of ${sub.email} is erased; only a one-way hash of the address is kept, so no add or upload brings it back (the person may still sign up again themselves).`,
    );
  });
}

function idOf(req: FastifyRequest): string | undefined {
  const p = subscriberIdParams.safeParse(req.params);
  return p.success ? p.data.id : undefined;
}
