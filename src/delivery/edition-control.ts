/**
 * What operators do to an edition (CLI, admin API, dashboard): build (a draft, or a new generation
 * of it), reopen a cancelled one, approve, send (build if needed, then dispatch), pause, resume,
 * cancel, retry the failed, resend the uncertain, and read its status. Each action is a guarded
 * status transition first, so two operators (or two processes) cannot start it twice.
 */
import { dueTime } from '../core/due-time.ts';
import { editionIdFor, previousEditionId } from '../core/edition-window.ts';
import type { DeliveryState, EditionCounts } from '../domain/delivery.ts';
import type { Publication } from '../domain/publication.ts';
import { type BuildDeps, type BuildMode, buildEdition } from '../editions/build-edition.ts';
import type { EditionRecord } from '../editions/edition-store.ts';
import { UserError } from '../errors/user-error.ts';
import { type FeedbackSummary, summariseFeedback } from '../feedback/feedback-summary.ts';
import { type DispatchDeps, dispatchEdition } from './dispatch.ts';

/**
 * The options of a send. Checks (below) receive them whole, so a check can add its own option
 * without changing this path (e.g. a lint check honouring `force`).
 */
export interface SendOptions {
  /** Ignore delivery hours: everyone is due now. */
  immediate: boolean;
  /** Send an edition of the current week, one older than MAX_EDITION_AGE_DAYS, or past a check's errors. */
  force: boolean;
  now: Date;
}

/**
 * A check run before a draft starts sending (after the build, before the transition): it refuses the
 * send by throwing a UserError. Pre-send lint plugs in here (see step-deps.ts).
 */
export type PreSendCheck = (edition: EditionRecord, options: SendOptions) => Promise<void>;

export type ControlDeps = BuildDeps &
  DispatchDeps & {
    maxEditionAgeDays: number;
    /** Run in order before every send of a draft; empty by default. */
    preSendChecks?: PreSendCheck[];
  };

export interface EditionStatusReport extends EditionCounts {
  edition: string;
  status: string;
  pausedReason: string | undefined;
  /** The build generation the counts are of (1 = first build). */
  generation: number;
  /** A draft of a publication with `reviewBeforeSend` that nobody approved yet. */
  awaitingApproval: boolean;
  approvedAt: string | undefined;
  /** When its web version becomes public (its first delivery's due time); undefined before sending. */
  publicFrom: string | undefined;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  durationMs: number | undefined;
  /** Bounces, complaints and mailto unsubscribes that came back after the hand-off, and the complaint rate. */
  feedback: FeedbackSummary;
}

/**
 * Last week: the edition a weekly run builds, and the default edition when none exists yet
 * (src/editions/default-edition.ts has the rule every command follows).
 */
export function defaultEditionId(publication: Publication, now: Date): string {
  return previousEditionId(now, publication.timezone, publication.weekStartsOn);
}

export function checkEditionId(_publication: Publication, id: string): string {
  if (!/^\d{4}-W\d{2}$/.test(id)) throw new UserError(`"${id}" is not an edition id; use the form 2026-W47`);
  return id;
}

export async function startSend(
  deps: ControlDeps,
  editionId: string,
  options: SendOptions,
): Promise<{ edition: EditionRecord; dispatched: number; alreadyStarted: boolean }> {
  const current = editionIdFor(options.now, deps.publication.timezone, deps.publication.weekStartsOn);
  if (editionId >= current && !options.force) {
    throw new UserError(
      `edition ${editionId} is not over yet (the current week is ${current}); add --force to send it anyway`,
      2,
      {
        dashboard: `Edition ${editionId} is not over yet (the current week is ${current}): tick "force" to send it anyway.`,
      },
    );
  }
  const { edition } = await buildEdition(deps, editionId, options.now);
  if (edition.status === 'draft') {
    const scheduled = editionDueTime(deps.publication, edition);
    const ageDays = (options.now.getTime() - scheduled.getTime()) / 86_400_000;
    if (ageDays > deps.maxEditionAgeDays && !options.force) {
      throw new UserError(
        `edition ${editionId} was due ${Math.floor(ageDays)} days ago (more than MAX_EDITION_AGE_DAYS=${deps.maxEditionAgeDays}); add --force to send it anyway`,
        2,
        {
          dashboard: `Edition ${editionId} was due ${Math.floor(ageDays)} days ago (more than the ${deps.maxEditionAgeDays} days allowed): tick "force" to send it anyway.`,
        },
      );
    }
    if (awaitsApproval(deps.publication, edition)) {
      throw new UserError(
        `edition ${editionId} is waiting for approval (reviewBeforeSend): approve it with digest approve ${editionId}`,
        2,
        {
          dashboard: `Edition ${editionId} is waiting for approval: this publication reviews every edition, so use "Approve…" to send it.`,
        },
      );
    }
    for (const check of deps.preSendChecks ?? []) await check(edition, options);
  }
  if (!(await deps.editions.transition(editionId, ['draft'], 'sending'))) {
    return { edition: (await deps.editions.get(editionId))!, dispatched: 0, alreadyStarted: true };
  }
  // Read again: a rebuild may have committed a new generation just before the transition.
  const sending = (await deps.editions.get(editionId))!;
  const result = await dispatchEdition(deps, sending, options);
  // The web version is public from the first delivery's due time, not before (an embargo holds).
  await deps.editions.setPublicFrom(editionId, result.firstDueAt);
  // An edition with nobody pending is complete at once.
  await finishIfDone(deps, editionId);
  return {
    edition: (await deps.editions.get(editionId))!,
    dispatched: result.recipients,
    alreadyStarted: false,
  };
}

/** The publication's delivery hour on the edition's send date: the edition's due time. */
export const editionDueTime = (publication: Publication, edition: { sendDate: string }): Date =>
  dueTime(edition.sendDate, publication.defaultHour, publication.timezone);

/** A draft that the review gate holds back: the publication wants review and nobody approved it. */
export const awaitsApproval = (publication: Publication, edition: EditionRecord): boolean =>
  !!publication.reviewBeforeSend && edition.status === 'draft' && !edition.approvedAt;

/**
 * `digest build W`: builds the edition as a draft, or builds its draft again (a new generation from
 * the current articles, edits and subscribers) until its first delivery is claimed.
 */
export async function rebuildEdition(
  deps: ControlDeps,
  id: string,
  now: Date,
  mode: Extract<BuildMode, 'rebuild' | 'reopen'> = 'rebuild',
): Promise<{ edition: EditionRecord; created: boolean }> {
  return buildEdition(deps, id, now, mode);
}

/**
 * Approves a draft (the review gate) and starts its send: each delivery is queued for its due time,
 * so an approval after the due hour sends at once and one before it sends at the due hour; the web
 * version stays private until then.
 */
export async function approveEdition(
  deps: ControlDeps,
  id: string,
  by: string,
  options: SendOptions,
): Promise<{ edition: EditionRecord; dispatched: number }> {
  if (!(await deps.editions.approve(id, options.now, by))) {
    const status = await statusOf(deps, id);
    throw new UserError(
      status === 'does not exist'
        ? `edition ${id} does not exist (build it first: digest build ${id})`
        : `edition ${id} is ${status}; only a draft can be approved`,
      2,
      {
        dashboard:
          status === 'does not exist'
            ? `Edition ${id} does not exist: build it as a draft first (Editions page).`
            : `Edition ${id} is ${status}; only a draft can be approved.`,
      },
    );
  }
  const r = await startSend(deps, id, { ...options, immediate: false });
  return { edition: r.edition, dispatched: r.dispatched };
}

export async function pauseEdition(
  deps: ControlDeps,
  id: string,
  reason = 'paused by operator',
): Promise<void> {
  if (!(await deps.editions.transition(id, ['sending'], 'paused', reason))) {
    throw new UserError(`edition ${id} is not sending (${await statusOf(deps, id)}); nothing to pause`);
  }
}

export async function resumeEdition(
  deps: ControlDeps,
  id: string,
  now: Date,
  immediate = false,
): Promise<number> {
  if (!(await deps.editions.transition(id, ['paused'], 'sending'))) {
    throw new UserError(`edition ${id} is not paused (${await statusOf(deps, id)}); nothing to resume`);
  }
  return redispatch(deps, id, now, immediate);
}

export async function cancelEdition(deps: ControlDeps, id: string, now: Date): Promise<number> {
  if (
    !(await deps.editions.transition(
      id,
      ['draft', 'sending', 'paused'],
      'cancelled',
      'cancelled by operator',
    ))
  ) {
    throw new UserError(`edition ${id} cannot be cancelled (${await statusOf(deps, id)})`);
  }
  return (
    (await deps.ledger.transitionAll(id, 'pending', 'cancelled', now)) +
    (await deps.ledger.transitionAll(id, 'retry', 'cancelled', now))
  );
}

/**
 * `retry` (failed → pending) and `resend-uncertain` (uncertain → pending), both deliberate. The
 * dispatch that follows covers every pending delivery, so it keeps the send's own timing: at the
 * readers' hours the requeued ones (due already: they were tried) go now and readers whose hour has
 * not come keep waiting for it; only an immediate send (or one stored before due plans) is all now.
 */
export async function requeue(
  deps: ControlDeps,
  id: string,
  from: Extract<DeliveryState, 'failed' | 'uncertain'>,
  now: Date,
): Promise<number> {
  const edition = await deps.editions.get(id);
  if (!edition) throw new UserError(`edition ${id} does not exist`);
  if (edition.status === 'cancelled') throw new UserError(`edition ${id} is cancelled`);
  const moved = await deps.ledger.transitionAll(id, from, 'pending', now);
  if (moved === 0) return 0;
  await deps.editions.transition(id, ['sent', 'sending'], 'sending');
  if ((await deps.editions.get(id))?.status === 'sending') {
    const plan = await deps.editions.duePlan(id);
    const atReadersHours = plan?.some((group) => group.timezone !== '') ?? false;
    await redispatch(deps, id, now, !atReadersHours);
  }
  return moved;
}

export async function editionStatus(deps: ControlDeps, id: string, now: Date): Promise<EditionStatusReport> {
  const edition = await deps.editions.get(id);
  if (!edition) throw new UserError(`edition ${id} does not exist (build or send it first)`);
  const [c, feedback] = await Promise.all([deps.ledger.counts(id), deps.ledger.feedbackCounts(id)]);
  const end = edition.finishedAt ? new Date(edition.finishedAt) : now;
  return {
    edition: id,
    status: edition.status,
    pausedReason: edition.pausedReason,
    generation: edition.generation ?? 1,
    awaitingApproval: awaitsApproval(deps.publication, edition),
    approvedAt: edition.approvedAt,
    publicFrom: edition.publicFrom,
    eligible: edition.recipientCount,
    sent: c.sent,
    skipped: c.skipped,
    bounced: c.bounced,
    uncertain: c.uncertain,
    failed: c.failed,
    cancelled: c.cancelled,
    pending: c.pending,
    retry: c.retry,
    sending: c.sending,
    startedAt: edition.startedAt,
    finishedAt: edition.finishedAt,
    durationMs: edition.startedAt ? end.getTime() - new Date(edition.startedAt).getTime() : undefined,
    feedback: summariseFeedback(feedback, c.sent),
  };
}

async function redispatch(deps: ControlDeps, id: string, now: Date, immediate: boolean): Promise<number> {
  const edition = (await deps.editions.get(id))!;
  const result = await dispatchEdition(deps, edition, { immediate, now });
  await deps.editions.setPublicFrom(id, result.firstDueAt);
  await finishIfDone(deps, id);
  return result.recipients;
}

async function finishIfDone(deps: ControlDeps, id: string): Promise<void> {
  const c = await deps.ledger.counts(id);
  if (c.pending + c.retry + c.sending === 0) await deps.editions.transition(id, ['sending'], 'sent');
}

async function statusOf(deps: ControlDeps, id: string): Promise<string> {
  return (await deps.editions.get(id))?.status ?? 'does not exist';
}
