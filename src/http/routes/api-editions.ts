/**
 * `/api/editions` for operators and scripts (ADMIN_TOKEN bearer), the same actions as the dashboard
 * and the CLI:
 *   GET  /api/editions                      the newest editions with their status and counts
 *   GET  /api/editions/:id                  status, counts, progress, rate, ETA, SMTP replies
 *   GET  /api/editions/:id/lint             the pre-send lint (src/lint/); ?check_links=1 asks every link
 *   POST /api/editions/:id/:action          build | send | pause | resume | cancel | retry |
 *                                           resend-uncertain | test-send
 *        JSON body (all optional): { "immediate": true, "force": true, "to": "me@x", "topics": ["lunar"] }
 *        build: a draft, or the draft's next generation; reopen: a cancelled edition that reached nobody;
 *        approve: the review gate (each delivery at its due hour)
 *   GET  /api/editions/:id/edits            the editor's edits and whether the draft has them yet
 *   POST /api/editions/:id/edits            { "exclude": [ids], "include": [ids], "pin": id | "",
 *                                             "note": markdown | "", "subject": text | "" }
 * A refused transition (e.g. pausing an edition that is not sending) answers 409 with the reason.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Container } from '../../app/container.ts';
import { lintDeps } from '../../app/step-deps.ts';
import { awaitsApproval } from '../../delivery/edition-control.ts';
import { editEdition, editsPending } from '../../editions/edit-edition.ts';
import { UserError } from '../../errors/user-error.ts';
import { describeFirstIssue } from '../../errors/zod-issue-words.ts';
import { lintStoredEdition } from '../../lint/lint-stored-edition.ts';
import { requireBearer } from '../admin-auth.ts';
import {
  actionInput,
  EDITION_ACTIONS,
  editInput,
  editionIdParam,
  runEditionAction,
} from './admin/edition-actions.ts';
import { editionView } from './admin/edition-view.ts';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });
const idParams = z.object({ id: editionIdParam });
const lintQuery = z.object({
  check_links: z
    .enum(['1', 'true', 'yes', '0', 'false', 'no', ''])
    .optional()
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
});
const actionParams = z.object({ id: editionIdParam, action: z.enum(EDITION_ACTIONS) });

/** A bad edition id keeps its one message ("an edition id such as 2026-W47"); anything else in our words. */
const paramsError = (error: z.ZodError) =>
  error.issues[0]?.path[0] === 'id' ? error.issues[0].message : describeFirstIssue(error, 'path');

export function apiEditionRoutes(container: Container) {
  return async (app: FastifyInstance) => {
    app.addHook(
      'onRequest',
      requireBearer(() => container.adminToken),
    );

    app.get('/api/editions', async (req, reply) => {
      const q = listQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send({ error: describeFirstIssue(q.error, 'query') });
      const editions = await container.editions.list(q.data.limit);
      const rows = await Promise.all(
        editions.map(async (e) => ({
          edition: e.id,
          status: e.status,
          generation: e.generation ?? 1,
          awaitingApproval: awaitsApproval(container.publication, e),
          pausedReason: e.pausedReason,
          recipients: e.recipientCount,
          variants: e.variantKeys.length,
          builtAt: e.builtAt,
          startedAt: e.startedAt,
          finishedAt: e.finishedAt,
          counts: await container.ledger.counts(e.id),
        })),
      );
      return { editions: rows };
    });

    app.get('/api/editions/:id', async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: paramsError(p.error) });
      if (!(await container.editions.get(p.data.id)))
        return reply.code(404).send({ error: `edition ${p.data.id} does not exist` });
      const view = await editionView(container, p.data.id, new Date());
      return {
        ...view.report,
        relay: view.relay ?? null,
        progress: view.progress,
        replies: view.replies,
        perMinute: view.perMinute,
      };
    });

    app.get('/api/editions/:id/edits', async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: paramsError(p.error) });
      const edits = await container.editions.edits(p.data.id);
      const stored = await container.editions.get(p.data.id);
      return { edition: p.data.id, edits, pending: stored ? editsPending(stored.edits, edits) : true };
    });

    app.post('/api/editions/:id/edits', async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: paramsError(p.error) });
      const body = editInput.safeParse(req.body ?? {});
      if (!body.success) {
        const issue = body.error.issues[0]!;
        return reply.code(400).send({
          error:
            issue.code === 'unrecognized_keys'
              ? `unknown field ${issue.keys.join(', ')}; fields: exclude, include, pin, note, subject`
              : describeFirstIssue(body.error, 'body'),
        });
      }
      try {
        const edits = await editEdition(container, p.data.id, body.data);
        container.logger.info({ event: 'edition.edited', edition: p.data.id, origin: 'api' }, 'edited');
        const stored = await container.editions.get(p.data.id);
        return { edition: p.data.id, edits, pending: stored ? editsPending(stored.edits, edits) : true };
      } catch (err) {
        if (err instanceof UserError) return reply.code(409).send({ error: err.message });
        throw err;
      }
    });

    app.get('/api/editions/:id/lint', async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: paramsError(p.error) });
      const q = lintQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send({ error: 'check_links is 1 or 0' });
      if (!(await container.editions.get(p.data.id)))
        return reply.code(404).send({ error: `edition ${p.data.id} is not built yet` });
      return lintStoredEdition(lintDeps(container), p.data.id, { checkLinks: q.data.check_links });
    });

    app.post('/api/editions/:id/:action', async (req, reply) => {
      const p = actionParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: paramsError(p.error) });
      const body = actionInput.safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send({ error: describeFirstIssue(body.error, 'body') });
      try {
        return await runEditionAction(container, p.data.id, p.data.action, body.data, 'api');
      } catch (err) {
        if (err instanceof UserError) return reply.code(409).send({ error: err.message });
        throw err;
      }
    });
  };
}
