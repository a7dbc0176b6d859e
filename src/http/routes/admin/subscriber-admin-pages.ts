/**
 * Dashboard pages of subscribers: the list (status filter with clickable counts, search, pages read
 * with cursors), the forms to add one person and to upload a CSV, growth and churn on a page of its
 * own (it reads every subscriber, so the list does not), and one subscriber with their history, the
 * form to edit their preferences and the unsubscribe and forget actions (subscriber-admin-actions.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SUBSCRIBER_STATUSES, type Subscriber } from '../../../domain/subscriber.ts';
import { CATALOGUE_LOCALES } from '../../../i18n/locale-tag.ts';
import { timezoneOptions } from '../../../subscribers/preference-form.ts';
import type { AdminContext } from './admin-context.ts';
import { subscriberPage } from './subscriber-list-page.ts';
import { createSubscriberOverview } from './subscriber-overview.ts';
import { growthSvg } from './svg-charts.ts';

export const PAGE_SIZE = 50;
const listQuery = z.object({
  q: z.string().trim().max(254).optional().catch(undefined),
  status: z.enum([...SUBSCRIBER_STATUSES, 'all']).catch('all'),
  // The store's cursor: `<partition>:<SCAN cursor>` (redis/key-layout.ts partitions), or 0.
  cursor: z
    .string()
    .regex(/^\d{1,20}(:\d{1,20})?$/)
    .catch('0'),
});
export const subscriberIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function subscriberAdminPages(app: FastifyInstance, ctx: AdminContext): void {
  const { container: c } = ctx;
  const overview = createSubscriberOverview(c, ctx.clock);

  app.get('/admin/subscribers', async (req, reply) => {
    const { q: query, status, cursor } = listQuery.parse(req.query ?? {});
    const [counts, forgotten] = await Promise.all([c.subscribers.counts(), c.subscribers.forgottenCount()]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const page = query
      ? { subscribers: await c.subscribers.search(query, PAGE_SIZE), next: undefined }
      : await subscriberPage(c.subscribers, status, cursor, PAGE_SIZE);
    return ctx.page(req, reply, 'subscribers', {
      section: 'subscribers',
      filters: [
        { status: 'all', n: total, current: !query && status === 'all' },
        ...SUBSCRIBER_STATUSES.map((s) => ({ status: s, n: counts[s], current: !query && status === s })),
      ],
      forgotten,
      status,
      query,
      rows: page.subscribers.map(row),
      firstPage: cursor !== '0',
      next: page.next,
      form: newSubscriberForm(c.publication),
      zones: timezoneOptions(),
    });
  });

  app.get('/admin/subscribers/growth', async (req, reply) => {
    const over = await overview();
    const names = new Map(c.publication.topics.map((t) => [t.id, t.name]));
    return ctx.page(req, reply, 'subscriber-growth', {
      section: 'subscribers',
      topics: over.topics.map((t) => ({ ...t, name: names.get(t.topic) ?? t.topic })),
      chart: growthSvg(over.weeks),
      weeks: over.weeks,
      computedAt: over.computedAt,
    });
  });

  app.get('/admin/subscribers/:id', async (req, reply) => {
    const p = subscriberIdParams.safeParse(req.params);
    const sub = p.success ? await c.subscribers.get(p.data.id) : undefined;
    if (!sub) return notFound(ctx, req, reply);
    const history = (await c.subscribers.history(sub.id)).map((h) => ({
      ...h,
      changes: h.changes
        ? Object.entries(h.changes).map(([field, [before, after]]) => ({
            field,
            before: JSON.stringify(before),
            after: JSON.stringify(after),
          }))
        : [],
    }));
    return ctx.page(req, reply, 'subscriber', {
      section: 'subscribers',
      sub,
      form: preferenceForm(c.publication, sub),
      zones: timezoneOptions(),
      canUnsubscribe: sub.status === 'active' || sub.status === 'pending',
      pending: sub.status === 'pending',
      history: history.reverse(),
    });
  });

  app.get('/admin/subscribers/:id/forget', async (req, reply) => {
    const p = subscriberIdParams.safeParse(req.params);
    const sub = p.success ? await c.subscribers.get(p.data.id) : undefined;
    if (!sub) return notFound(ctx, req, reply);
    return ctx.page(req, reply, 'subscriber-forget', { section: 'subscribers', sub });
  });
}

export function notFound(
  ctx: AdminContext,
  req: Parameters<AdminContext['page']>[0],
  reply: Parameters<AdminContext['page']>[1],
) {
  return ctx.page(
    req,
    reply,
    'error',
    {
      status: 404,
      message: 'No such subscriber: they may have been forgotten meanwhile.',
      back: { href: '/admin/subscribers', text: 'Back to the subscribers' },
    },
    404,
  );
}

function row(s: Subscriber) {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    status: s.status,
    topics: s.topics,
    createdAt: s.createdAt,
  };
}

type FormPublication = AdminContext['container']['publication'];

function localeChoices(selected: string) {
  return [
    { value: '', label: "the publication's", selected: selected === '' },
    ...CATALOGUE_LOCALES.map((l) => ({ value: l, label: l, selected: selected === l })),
    ...(selected && !(CATALOGUE_LOCALES as readonly string[]).includes(selected)
      ? [{ value: selected, label: selected, selected: true }]
      : []),
  ];
}

function newSubscriberForm(p: FormPublication) {
  return {
    topics: p.topics.map((t) => ({ id: t.id, name: t.name, checked: false })),
    timezone: p.timezone,
    hour: p.defaultHour,
    locales: localeChoices(''),
  };
}

function preferenceForm(p: FormPublication, s: Subscriber) {
  return {
    topics: p.topics.map((t) => ({ id: t.id, name: t.name, checked: s.topics.includes(t.id) })),
    // A topic the publication no longer has stays visible (the operator decides), never silently dropped.
    unknownTopics: s.topics.filter((id) => !p.topics.some((t) => t.id === id)),
    timezone: s.timezone,
    hour: s.hour,
    locales: localeChoices(s.locale),
    html: s.format === 'html',
  };
}
