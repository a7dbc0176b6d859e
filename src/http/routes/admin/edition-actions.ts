/**
 * The operator actions on an edition, shared by the dashboard forms and `/api/editions`: a thin layer
 * over src/delivery/edition-control.ts (never a second implementation), with input validation and
 * one structured log line per action (ids only).
 */
import { z } from 'zod';
import type { Container } from '../../../app/container.ts';
import { controlDeps, testSendDeps } from '../../../app/step-deps.ts';
import {
  approveEdition,
  cancelEdition,
  checkEditionId,
  pauseEdition,
  rebuildEdition,
  requeue,
  resumeEdition,
  startSend,
} from '../../../delivery/edition-control.ts';
import { testSend } from '../../../delivery/test-send.ts';
import { hasWorkers } from '../../../queues/queues.ts';

export const EDITION_ACTIONS = [
  'build',
  'reopen',
  'approve',
  'send',
  'pause',
  'resume',
  'cancel',
  'retry',
  'resend-uncertain',
  'test-send',
] as const;
export type EditionAction = (typeof EDITION_ACTIONS)[number];

/** Actions that mail people (or stop a send for good): the dashboard asks to confirm these first. */
export const NEEDS_CONFIRMATION: ReadonlySet<EditionAction> = new Set([
  'approve',
  'send',
  'resume',
  'cancel',
  'retry',
  'resend-uncertain',
  'test-send',
]);

const checkbox = z
  .union([z.boolean(), z.enum(['on', 'true', '1', 'yes', 'false', '0', 'no', ''])])
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1' || v === 'yes');

/** The fields an action may take, from a form (strings) or JSON (booleans, arrays). */
export const actionInput = z.object({
  /** send/resume: ignore delivery hours and send everything now. */
  immediate: checkbox,
  /** send: an edition of the current week, or one older than MAX_EDITION_AGE_DAYS. */
  force: checkbox,
  /** test-send: where to. */
  to: z.string().trim().max(320).optional(),
  /** test-send: topic ids of the variant; a comma-separated string or a list. */
  topics: z
    .union([z.string().max(500), z.array(z.string().max(64)).max(50)])
    .optional()
    .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((t) => t.trim()).filter(Boolean)),
});
export type ActionInput = z.infer<typeof actionInput>;

const articleIds = z
  .union([z.string().max(2000), z.array(z.string().max(64)).max(200)])
  .optional()
  .transform((v) =>
    v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((t) => t.trim()).filter(Boolean),
  );

/** The editor's changes, from a form or JSON (edit-edition.ts checks the articles and lengths). */
export const editInput = z
  .object({
    exclude: articleIds,
    include: articleIds,
    pin: z.string().max(64).optional(),
    note: z.string().max(10_000).optional(),
    subject: z.string().max(1000).optional(),
  })
  .strict();

export const editionIdParam = z.string().regex(/^\d{4}-W\d{2}$/, 'an edition id such as 2026-W47');

export interface ActionResult {
  edition: string;
  action: EditionAction;
  message: string;
}

/** Throws UserError when the edition is not in a state the action applies to. */
export async function runEditionAction(
  c: Container,
  editionId: string,
  action: EditionAction,
  input: ActionInput,
  origin: 'dashboard' | 'api',
  now: Date = new Date(),
): Promise<ActionResult> {
  const id = checkEditionId(c.publication, editionId);
  const deps = controlDeps(c);
  const message = await perform();
  c.logger.info({ event: 'edition.action', edition: id, action, origin }, message);
  return { edition: id, action, message };

  async function perform(): Promise<string> {
    switch (action) {
      case 'build':
      case 'reopen': {
        const { edition } = await rebuildEdition(deps, id, now, action === 'reopen' ? 'reopen' : 'rebuild');
        return `edition ${id} built as a draft (generation ${edition.generation ?? 1}): ${edition.articleIds.length} articles, ${edition.recipientCount} recipients, ${edition.variantKeys.length} variants`;
      }
      case 'approve': {
        const r = await approveEdition(deps, id, origin, { immediate: false, force: input.force, now });
        return `edition ${id} approved: ${r.dispatched} deliveries queued at their hours${await noWorkerNote()}`;
      }
      case 'send': {
        const r = await startSend(deps, id, { immediate: input.immediate, force: input.force, now });
        if (r.alreadyStarted) return `edition ${id} was already ${r.edition.status}`;
        return `edition ${id}: ${r.dispatched} deliveries queued${input.immediate ? ' now' : ' at their hours'}${await noWorkerNote()}`;
      }
      case 'pause':
        await pauseEdition(deps, id);
        return `edition ${id} paused`;
      case 'resume':
        return `edition ${id} resumed: ${await resumeEdition(deps, id, now, input.immediate)} deliveries queued${await noWorkerNote()}`;
      case 'cancel':
        return `edition ${id} cancelled: ${await cancelEdition(deps, id, now)} deliveries cancelled`;
      case 'retry':
        return `edition ${id}: ${await requeue(deps, id, 'failed', now)} failed deliveries queued again${await noWorkerNote()}`;
      case 'resend-uncertain':
        return `edition ${id}: ${await requeue(deps, id, 'uncertain', now)} uncertain deliveries queued again${await noWorkerNote()}`;
      case 'test-send': {
        const r = await testSend(testSendDeps(c), id, { to: input.to ?? '', topics: input.topics, now });
        return `test copy of ${id} (variant ${r.variant}) sent: ${r.messageId}`;
      }
    }
  }

  async function noWorkerNote(): Promise<string> {
    return (await hasWorkers(c.queues.send))
      ? ''
      : '; no send worker is running: start `digest start` or `digest worker`';
  }
}
