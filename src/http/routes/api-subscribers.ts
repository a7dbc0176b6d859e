/**
 * `/api/subscribers` for operators (ADMIN_TOKEN bearer): the same actions as `digest subscribers`.
 *   GET    /api/subscribers?status=active&cursor=0&count=100  page of one status (SSCAN)
 *   GET    /api/subscribers?q=ann&limit=20                   search by address or id
 *   GET    /api/subscribers/counts                           per status
 *   GET    /api/subscribers/export?format=csv|json           every subscriber, streamed
 *   POST   /api/subscribers                                  add one (JSON; `confirmed: true` = consent,
 *                                                             else pending and mailed the confirmation)
 *   POST   /api/subscribers/import?confirmed=true            CSV body (text/csv), streamed; without
 *                                                             `confirmed`, pending rows are mailed too
 *   GET    /api/subscribers/:idOrEmail                       one subscriber and its history
 *   DELETE /api/subscribers/:idOrEmail                       forget (GDPR); keeps a hash (never added
 *                                                             again by an operator; the person may sign up)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SUBSCRIBER_STATUSES } from '../../domain/subscriber.ts';
import { UserError } from '../../errors/user-error.ts';
import { confirmationDeps } from '../../subscribers/confirm-resend.ts';
import { CsvHeaderError, importSubscribersCsv } from '../../subscribers/csv-import.ts';
import { createOptInMailer } from '../../subscribers/opt-in-mail.ts';
import type { SignUpDeps } from '../../subscribers/sign-up.ts';
import { addSubscriber, findSubscriber } from '../../subscribers/subscriber-admin.ts';
import { exportSubscribers } from '../../subscribers/subscriber-export.ts';
import { requireBearer } from '../admin-auth.ts';
import type { LinkRouteContext } from './subscriber-routes.ts';

const listQuery = z.object({
  status: z.enum(SUBSCRIBER_STATUSES).default('active'),
  cursor: z
    .string()
    .regex(/^\d+(:\d+)?$/)
    .default('0'),
  count: z.coerce.number().int().min(1).max(1000).default(100),
  q: z.string().min(1).max(254).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});
const addBody = z.object({
  email: z.string(),
  name: z.string().optional(),
  topics: z.union([z.string(), z.array(z.string())]).optional(),
  timezone: z.string().optional(),
  hour: z.union([z.number(), z.string()]).optional(),
  status: z.string().optional(),
  locale: z.string().optional(),
  confirmed: z.boolean().default(false),
});
const boolFlag = z.enum(['true', 'false', '1', '0']).optional();

export function apiSubscriberRoutes(ctx: LinkRouteContext) {
  const { container } = ctx;
  const store = container.subscribers;
  // The sign-up form's mailing parts, built on first use (its templates compile once per process).
  let signUpDeps: SignUpDeps | undefined;
  const optInDeps = () => {
    signUpDeps ??= confirmationDeps(container);
    return signUpDeps;
  };
  return async (app: FastifyInstance) => {
    app.register(async (api) => {
      api.addHook(
        'onRequest',
        requireBearer(() => container.adminToken),
      );
      // The body is streamed into the importer, never buffered whole (so bodyLimit does not apply).
      api.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload));
      api.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
        if (err instanceof UserError || err instanceof CsvHeaderError)
          return reply.code(400).send({ error: err.message });
        if (err instanceof z.ZodError)
          return reply
            .code(400)
            .send({ error: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        throw err;
      });

      api.get('/api/subscribers', async (req) => {
        const q = listQuery.parse(req.query);
        if (q.q) return { subscribers: await store.search(q.q, q.limit) };
        const page = await store.listByStatus(q.status, q.cursor, q.count);
        return { cursor: page.cursor, subscribers: (await store.getMany(page.ids)).filter(Boolean) };
      });

      api.get('/api/subscribers/counts', async () => store.counts());

      api.get('/api/subscribers/export', async (req, reply) => {
        const format = z.object({ format: z.enum(['csv', 'json']).default('csv') }).parse(req.query).format;
        return reply
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="subscribers.${format}"`)
          .send(exportSubscribers(store, format));
      });

      api.post('/api/subscribers', async (req, reply) => {
        const body = addBody.parse(req.body);
        const { confirmed, ...raw } = body;
        const outcome = await addSubscriber(store, container.publication, raw, {
          confirmed,
          now: ctx.clock(),
        });
        // Double opt-in, as `digest subscribers add`: a new pending subscriber gets the email now.
        const optIn = createOptInMailer(optInDeps(), ctx.clock());
        if (outcome.created && outcome.subscriber.status === 'pending')
          await optIn.mail([outcome.subscriber.id]);
        return reply.code(outcome.created ? 201 : 200).send({ ...outcome, confirmation: optIn.report });
      });

      api.post('/api/subscribers/import', async (req) => {
        const confirmed = boolFlag.parse((req.query as Record<string, string>).confirmed);
        if (!req.body || typeof (req.body as NodeJS.ReadableStream).pipe !== 'function')
          throw new UserError('send the CSV as the request body with Content-Type: text/csv');
        // Double opt-in: rows stored pending get the confirmation email, as with the CLI.
        const optIn = createOptInMailer(optInDeps(), ctx.clock());
        const report = await importSubscribersCsv(
          req.body as NodeJS.ReadableStream as import('node:stream').Readable,
          { store, publication: container.publication },
          {
            confirmed: confirmed === 'true' || confirmed === '1',
            now: ctx.clock(),
            onPending: optIn.mail,
          },
        );
        return { ...report, confirmation: optIn.report };
      });

      api.get<{ Params: { key: string } }>('/api/subscribers/:key', async (req, reply) => {
        const subscriber = await findSubscriber(store, req.params.key);
        if (!subscriber) return reply.code(404).send({ error: 'no such subscriber' });
        return { subscriber, history: await store.history(subscriber.id) };
      });

      api.delete<{ Params: { key: string } }>('/api/subscribers/:key', async (req, reply) => {
        const subscriber = await findSubscriber(store, req.params.key);
        if (!subscriber) return reply.code(404).send({ error: 'no such subscriber' });
        await store.forget(subscriber.id);
        return { forgotten: subscriber.id };
      });
    });
  };
}
