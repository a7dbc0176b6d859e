/**
 * Dashboard pages of editions: the list (with a form to build the next one), one edition (counts,
 * live progress, rate, ETA, SMTP error breakdown, sends-per-minute chart, previews, actions), the
 * confirmation step of every action that mails people, and the preview of a variant or of one
 * sample subscriber's digest; for a draft, the editor's panel (leave out, pin, note, subject, build
 * again) and the review gate's approval. Actions run through edition-actions.ts (edition-control
 * underneath); edits through edit-edition.ts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defaultEditionId } from '../../../delivery/edition-control.ts';
import { EditionLoadError } from '../../../delivery/edition-load-error.ts';
import { createPreparedEditionCache } from '../../../delivery/prepared-edition.ts';
import { editEdition, editsPending } from '../../../editions/edit-edition.ts';
import type { EditionRecord } from '../../../editions/edition-store.ts';
import { isWebPublic } from '../../../editions/web-visibility.ts';
import { UserError } from '../../../errors/user-error.ts';
import { describeFirstIssue } from '../../../errors/zod-issue-words.ts';
import { formatRate } from '../../../feedback/complaint-guard.ts';
import { describeSkips, describeTiming } from '../../../observability/send-progress.ts';
import { publicationWarnings } from '../../../publication/publication-report.ts';
import type { AdminContext } from './admin-context.ts';
import {
  actionInput,
  EDITION_ACTIONS,
  type EditionAction,
  editInput,
  editionIdParam,
  NEEDS_CONFIRMATION,
  runEditionAction,
} from './edition-actions.ts';
import { type EditionView, editionView, errorReplies } from './edition-view.ts';
import { lintPanel } from './lint-panel.ts';
import { sendsPerMinuteSvg } from './svg-charts.ts';

const idParams = z.object({ id: editionIdParam });
const actionParams = z.object({ id: editionIdParam, action: z.enum(EDITION_ACTIONS) });
const previewQuery = z.object({
  variant: z.coerce.number().int().min(0).max(1000).default(0),
  subscriber: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  format: z.enum(['html', 'text']).default('html'),
});
/** Sample subscribers shown per variant (read from the first page of the ledger). */
const SAMPLES_PER_VARIANT = 3;
const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; font-src https:; frame-ancestors 'self'; sandbox";

const CONFIRM_TEXT: Record<EditionAction, string> = {
  build: 'Build',
  reopen: 'Reopen as a draft',
  approve: 'Approve: send at the due hour',
  send: 'Send this edition',
  pause: 'Pause',
  resume: 'Resume sending',
  cancel: 'Cancel this edition for good',
  retry: 'Send the failed deliveries again',
  'resend-uncertain': 'Resend the uncertain deliveries',
  'test-send': 'Send a test copy',
};

export function editionPages(app: FastifyInstance, ctx: AdminContext): void {
  const { container: c } = ctx;
  const prepared = createPreparedEditionCache(c.editions, c.publication);

  app.get('/admin', async (req, reply) => {
    const editions = await c.editions.list(20);
    const rows = await Promise.all(
      editions.map(async (e) => {
        const v = await editionView(c, e.id, ctx.clock());
        return { edition: e, report: v.report, progress: v.progress };
      }),
    );
    return ctx.page(req, reply, 'editions', {
      section: 'editions',
      rows,
      // Conflicts between the publication file and what is stored beside it (src/publication/).
      warnings: await publicationWarnings(c),
      nextId: defaultEditionId(c.publication, ctx.clock()),
    });
  });

  app.post('/admin/editions', async (req, reply) => {
    const body = z.object({ edition: editionIdParam }).safeParse(req.body ?? {});
    if (!body.success)
      return ctx.redirect(req, reply, '/admin', { kind: 'error', text: body.error.issues[0]!.message });
    return act(req, reply, body.data.edition, 'build', {});
  });

  app.get('/admin/editions/:id', async (req, reply) => {
    const id = parseId(req.params);
    const edition = id && (await c.editions.get(id));
    if (!id || !edition)
      return ctx.page(req, reply, 'error', { status: 404, message: 'No such edition.' }, 404);
    const view = await editionView(c, id, ctx.clock());
    const variants = await c.editions.variants(id);
    return ctx.page(req, reply, 'edition', {
      section: 'editions',
      edition,
      ...present(view),
      editor: await editorPanel(edition, view),
      web: {
        public: isWebPublic(edition, view.report, ctx.clock()),
        publicFrom: edition.publicFrom,
        href: `/editions/${id}`,
      },
      variants: await withSamples(
        id,
        variants.map((v, i) => ({
          index: i,
          key: v.key,
          topics: v.topics,
          subject: v.subject,
          articles: v.articleCount,
        })),
      ),
      // The frame opens on the broadest variant (most stories): the variants' order follows the build's
      // scan of the list, so "the first" was a different digest from one build to the next.
      previewVariant: broadestVariant(variants),
      can: allowed(view, c.publication.reviewBeforeSend),
      topics: c.publication.topics,
      complaintRate: formatRate(view.report.feedback.complaintRate),
      complaintGuard: c.config.complaintGuard,
      lint: await lintPanel(c, id, req.query),
    });
  });

  app.get('/admin/editions/:id/progress.json', async (req, reply) => {
    const id = parseId(req.params);
    if (!id || !(await c.editions.get(id))) return reply.code(404).send({ error: 'No such edition' });
    const view = await editionView(c, id, ctx.clock());
    const p = present(view);
    return {
      ...view.report,
      relay: view.relay ?? '',
      progress: view.progress,
      rate: p.rate,
      eta: p.eta,
      timing: p.timing,
      skips: p.skips,
      errors: p.errors,
      chart: p.chart,
    };
  });

  app.get('/admin/editions/:id/confirm', async (req, reply) => {
    const id = parseId(req.params);
    const q = z
      .object({ action: z.enum(EDITION_ACTIONS) })
      .passthrough()
      .safeParse(req.query ?? {});
    const input = actionInput.safeParse(req.query ?? {});
    const edition = id && (await c.editions.get(id));
    if (!id || !edition || !q.success || !input.success)
      return ctx.page(req, reply, 'error', { status: 400, message: 'Unknown edition or action.' }, 400);
    const report = (await editionView(c, id, ctx.clock())).report;
    return ctx.page(req, reply, 'confirm', {
      section: 'editions',
      edition,
      report,
      action: q.data.action,
      button: CONFIRM_TEXT[q.data.action],
      input: { ...input.data, topics: input.data.topics.join(',') },
      recipients: affected(q.data.action, report),
    });
  });

  app.post('/admin/editions/:id/actions/:action', async (req, reply) => {
    const p = actionParams.safeParse(req.params);
    const input = actionInput.safeParse(req.body ?? {});
    if (!p.success || !input.success) {
      const text = !p.success ? p.error.issues[0]!.message : describeFirstIssue(input.error!, 'form');
      return ctx.redirect(req, reply, '/admin', { kind: 'error', text });
    }
    const confirmed = (req.body as { confirm?: string } | undefined)?.confirm === 'yes';
    if (NEEDS_CONFIRMATION.has(p.data.action) && !confirmed) {
      const q = new URLSearchParams({ action: p.data.action });
      if (input.data.immediate) q.set('immediate', 'on');
      if (input.data.force) q.set('force', 'on');
      if (input.data.to) q.set('to', input.data.to);
      if (input.data.topics.length) q.set('topics', input.data.topics.join(','));
      return reply.code(303).redirect(`/admin/editions/${p.data.id}/confirm?${q}`);
    }
    return act(req, reply, p.data.id, p.data.action, input.data);
  });

  app.post('/admin/editions/:id/edits', async (req, reply) => {
    const id = parseId(req.params);
    const { _csrf, ...fields } = (req.body ?? {}) as Record<string, unknown>;
    const input = editInput.safeParse(fields);
    if (!id || !input.success) {
      // In our words ("note must be at most 10000 characters long"), never the library's.
      const text = !id ? 'an edition id such as 2026-W47' : describeFirstIssue(input.error!, 'form');
      return ctx.redirect(req, reply, id ? `/admin/editions/${id}` : '/admin', { kind: 'error', text });
    }
    try {
      await editEdition(c, id, input.data);
      c.logger.info({ event: 'edition.edited', edition: id, origin: 'dashboard' }, 'edited');
      const built = await c.editions.get(id);
      const text = built?.status === 'draft' ? 'Saved. Build again to apply it to the draft.' : 'Saved.';
      return ctx.redirect(req, reply, `/admin/editions/${id}#editor`, { kind: 'ok', text });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return ctx.redirect(req, reply, `/admin/editions/${id}#editor`, { kind: 'error', text: err.dashboard });
    }
  });

  app.get('/admin/editions/:id/preview', async (req, reply) => {
    const id = parseId(req.params);
    const q = previewQuery.safeParse(req.query ?? {});
    if (!id || !q.success) return reply.code(400).send({ error: 'bad preview request' });
    // Always the current generation: a rebuilt draft's preview is the new one.
    const generation = (await c.editions.get(id))?.generation ?? 1;
    const ed = await prepared(id, generation).catch((err: unknown) => {
      if (err instanceof EditionLoadError && err.code === 'ENOEDITION') return undefined;
      throw err;
    });
    if (!ed) return reply.code(404).send({ error: 'No such edition' });
    let index = q.data.variant;
    let recipient = { name: 'Sample Reader', email: 'reader@example.com' };
    if (q.data.subscriber) {
      const sub = await c.subscribers.get(q.data.subscriber);
      const [v] = await c.ledger.variantsOf(id, [q.data.subscriber]);
      if (!sub || v === undefined || v < 0)
        return reply.code(404).send({ error: 'No digest for that subscriber' });
      index = v;
      recipient = { name: sub.name, email: sub.email };
    }
    const variant = ed.variants[index];
    if (!variant) return reply.code(404).send({ error: 'No such variant' });
    // Preview links lead nowhere: an operator's click must not act for a subscriber.
    const body = variant.personalise({
      ...recipient,
      unsubscribeUrl: `${c.publicUrl}/#preview`,
      preferencesUrl: `${c.publicUrl}/#preview`,
    });
    reply.header('content-security-policy', PREVIEW_CSP).header('x-frame-options', 'SAMEORIGIN');
    if (q.data.format === 'text') return reply.type('text/plain; charset=utf-8').send(body.text);
    return reply.type('text/html; charset=utf-8').send(body.html);
  });

  async function act(
    req: Parameters<AdminContext['redirect']>[0],
    reply: Parameters<AdminContext['redirect']>[1],
    id: string,
    action: EditionAction,
    input: Partial<z.infer<typeof actionInput>>,
  ) {
    try {
      const r = await runEditionAction(
        c,
        id,
        action,
        { immediate: false, force: false, topics: [], ...input },
        'dashboard',
        ctx.clock(),
      );
      return ctx.redirect(req, reply, `/admin/editions/${id}`, { kind: 'ok', text: r.message });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const back = (await c.editions.get(id)) ? `/admin/editions/${id}` : '/admin';
      return ctx.redirect(req, reply, back, { kind: 'error', text: err.dashboard });
    }
  }

  /** The editor's panel of a draft (or a cancelled edition): its articles, what was left out, the edits. */
  async function editorPanel(edition: EditionRecord, view: EditionView) {
    if (edition.status !== 'draft' && edition.status !== 'cancelled') return undefined;
    const edits = await c.editions.edits(edition.id);
    const articles =
      (await c.editions.articles(edition.id)) ?? (await c.articles.getMany(edition.articleIds));
    const excluded = await c.articles.getMany(edits.excluded);
    return {
      edits,
      pending: editsPending(edition.edits, edits),
      awaitingApproval: view.report.awaitingApproval,
      articles: articles.map((a) => ({
        id: a.id,
        title: a.title,
        url: a.url,
        date: a.publishedAt.slice(0, 10),
        topics: a.topics.join(', '),
        pinned: a.id === edits.pinned,
      })),
      excluded: excluded.map((a) => ({ id: a.id, title: a.title })),
    };
  }

  async function withSamples<T extends { index: number }>(id: string, variants: T[]) {
    const page = await c.ledger.scan(id, '0', 300);
    const ids = page.entries.map(([sid]) => sid);
    const of = await c.ledger.variantsOf(id, ids);
    const subs = await c.subscribers.getMany(ids);
    return variants.map((v) => ({
      ...v,
      samples: ids
        .map((sid, i) => ({ id: sid, variant: of[i], email: subs[i]?.email }))
        .filter((s) => s.variant === v.index && s.email)
        .slice(0, SAMPLES_PER_VARIANT),
    }));
  }
}

function parseId(params: unknown): string | undefined {
  const p = idParams.safeParse(params);
  return p.success ? p.data.id : undefined;
}

/** Numbers as the page shows them (also the live JSON, so both agree). */
function present(view: EditionView) {
  return {
    report: view.report,
    progress: view.progress,
    rate: view.progress.ratePerSecond.toFixed(1),
    eta: view.progress.etaSeconds,
    // When what is left goes (due now with its ETA, later at the readers' clock times) and why some are skipped.
    timing: describeTiming(view.progress),
    skips: describeSkips(view.progress),
    errors: errorReplies(view.replies),
    chart: sendsPerMinuteSvg(view.perMinute),
    relay: view.relay,
  };
}

/** Which buttons make sense in this status (the actions refuse the others anyway). */
function allowed(view: EditionView, review: boolean) {
  const r = view.report;
  const s = r.status;
  return {
    build: s === 'draft',
    approve: s === 'draft' && review && !r.approvedAt,
    send: s === 'draft' && !r.awaitingApproval,
    reopen: s === 'cancelled' && r.sent + r.uncertain + r.sending === 0,
    pause: s === 'sending',
    resume: s === 'paused',
    cancel: s === 'draft' || s === 'sending' || s === 'paused',
    retry: view.report.failed > 0 && s !== 'cancelled',
    resendUncertain: view.report.uncertain > 0 && s !== 'cancelled',
  };
}

/** How many people an action would mail, for the confirmation text. */
function affected(action: EditionAction, r: EditionView['report']): number | undefined {
  switch (action) {
    case 'send':
    case 'approve':
    case 'resume':
      return r.pending + r.retry;
    case 'retry':
      return r.failed;
    case 'resend-uncertain':
      return r.uncertain;
    case 'cancel':
      return r.pending + r.retry + r.sending;
    default:
      return undefined;
  }
}

/** Index of the variant with the most stories (the first of equals); 0 when there is none. */
function broadestVariant(variants: ReadonlyArray<{ articleCount: number }>): number {
  let best = 0;
  variants.forEach((v, i) => {
    if (v.articleCount > (variants[best]?.articleCount ?? -1)) best = i;
  });
  return best;
}
