/**
 * The send step for one batch of recipients. Per recipient it does only the hot path: claim in Redis
 * (atomic: pending, subscriber still active, edition not paused, global rate) → fill the variant's
 * message template (one Buffer from pieces prepared per variant) → hand it to SMTP → record the
 * outcome. An accepted message's record rides with the lane's next claim, so a message costs one
 * Redis call. Several recipients are in flight at once (one per pooled SMTP connection, a lane). A
 * lane claims only once it holds a connection the relay has greeted (`MailLane.ready`): during a relay
 * outage it waits there, claiming nobody. SMTP failures are sorted by `classifySmtpError`.
 */
import type { LimitFunction } from 'p-limit';
import type { LinkKey } from '../config.ts';
import { classifySmtpError, type SmtpFailure } from '../core/smtp-error-class.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import { canSignFeedback, feedbackAddresses } from '../feedback/feedback-address.ts';
import { subscriberLinks } from '../links/subscriber-links.ts';
import type { Mailer, MailLane } from '../mail/mailer.ts';
import { messageMemory } from '../mail/message-template.ts';
import { describeRelayFailure } from '../mail/relay-outage.ts';
import type { SendJobData } from '../queues/queue-names.ts';
import type { SubscriberStore } from '../subscribers/subscriber-store.ts';
import type { DeliveryLedger, Outcome } from './delivery-ledger.ts';
import type { PreparedEdition } from './prepared-edition.ts';

export interface SendDeps {
  ledger: DeliveryLedger;
  subscribers: SubscriberStore;
  editions: EditionStore;
  /**
   * The edition's prepared variants, of the build generation the job names (prepared-edition.ts).
   * Rejects (EditionLoadError) when the edition cannot be loaded: the batch then fails and is retried.
   * Undefined when the job's generation is no longer the edition's: the batch has nothing to send.
   */
  prepared: (editionId: string, build?: number) => Promise<PreparedEdition | undefined>;
  mailer: Mailer;
  publicUrl: () => string;
  linkKeys: LinkKey[];
  /** Domain of each message's signed bounce (VERP) and mailto unsubscribe addresses. */
  bounceDomain: string;
  /** Recipients of one batch in flight at once (the SMTP pool size). */
  lanes: number;
  /**
   * The process's lane slots (p-limit of the SMTP pool size), shared by all the batches it runs at
   * once: a lane claims recipients only while it holds one.
   */
  laneSlots: LimitFunction;
  /** Temporary failures before a delivery is `failed`. */
  maxAttempts: number;
  now: () => Date;
  /** True once the process is shutting down: no new claims, in-flight messages finish and are recorded. */
  stopping?: () => boolean;
  /** Called after every recorded outcome (metrics). */
  onOutcome?: (outcome: Outcome | 'skipped', smtpCode: number | undefined, editionId: string) => void;
}

export type BatchStop = 'paused' | 'cancelled' | 'throttled' | 'config' | 'shutdown';

export interface BatchResult {
  counts: Record<string, number>;
  stop: BatchStop | undefined;
  /** Some recipients got a temporary failure: retry the job later. */
  retryLater: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendBatch(
  deps: SendDeps,
  jobId: string,
  data: SendJobData,
  run: string,
): Promise<BatchResult> {
  const result: BatchResult = { counts: {}, stop: undefined, retryLater: false };
  const count = (k: string) => {
    result.counts[k] = (result.counts[k] ?? 0) + 1;
  };
  const ids = data.subscriberIds;
  // The relay's greeting and EHLO overlap with loading the edition and the recipients.
  deps.mailer.prepare(Math.min(deps.lanes, ids.length));
  const prepared = await deps.prepared(data.editionId, data.build);
  if (!prepared) return result;
  const [subs, variants, attempts] = await Promise.all([
    deps.subscribers.pick(ids, ['email', 'name', 'format', 'timezone']),
    deps.ledger.variantsOf(data.editionId, ids),
    deps.ledger.attemptsOf(data.editionId, ids),
  ]);
  const claim = { jobId, run };
  const signFeedback = canSignFeedback(data.editionId);
  const sent = () => {
    count('sent');
    deps.onOutcome?.('sent', undefined, data.editionId);
  };

  /**
   * A lane's last accepted message is recorded together with its next claim (one Redis round trip
   * per message); `unrecorded` holds it in between, and the lane records it alone when it ends.
   */
  interface Lane {
    unrecorded: string | undefined;
    /** The memory of the lane's last accepted message, reused for its next one. */
    scratch: Buffer | undefined;
  }

  const claimNext = async (lane: Lane, sid: string) => {
    const prev = lane.unrecorded;
    if (prev === undefined) return deps.ledger.claim(data.editionId, sid, claim, deps.now());
    lane.unrecorded = undefined;
    const both = await deps.ledger.recordAndClaim(
      data.editionId,
      claim,
      { subscriberId: prev, outcome: 'sent' },
      sid,
      deps.now(),
    );
    sent();
    return both.claimed;
  };

  const flush = async (lane: Lane) => {
    const prev = lane.unrecorded;
    if (prev === undefined) return;
    lane.unrecorded = undefined;
    await deps.ledger.record(data.editionId, prev, claim, 'sent', undefined);
    sent();
  };

  const pause = async (failure: SmtpFailure & { message?: string }) => {
    result.stop = 'config';
    await deps.editions.transition(data.editionId, ['sending'], 'paused', failureReason(failure));
  };

  const one = async (lane: Lane, relay: MailLane, i: number) => {
    const sid = ids[i]!;
    let claimed = await claimNext(lane, sid);
    while (claimed === 'ratelimited') {
      await sleep(1000 - (deps.now().getTime() % 1000) + 5);
      claimed = await deps.ledger.claim(data.editionId, sid, claim, deps.now());
    }
    if (claimed === 'paused' || claimed === 'cancelled') {
      result.stop ??= claimed;
      return;
    }
    if (claimed !== 'claimed') {
      count(claimed);
      if (claimed === 'skipped') deps.onOutcome?.('skipped', undefined, data.editionId);
      return;
    }
    const sub = subs[i];
    const variant = prepared.variants[variants[i] ?? -1];
    const record = async (outcome: Outcome, failure?: SmtpFailure & { message?: string }) => {
      await deps.ledger.record(
        data.editionId,
        sid,
        claim,
        outcome,
        failure
          ? {
              at: deps.now().toISOString(),
              code: failure.code,
              responseCode: failure.responseCode,
              reason: failure.message?.slice(0, 200),
            }
          : undefined,
      );
      count(outcome);
      deps.onOutcome?.(outcome, failure?.responseCode, data.editionId);
    };
    if (!sub || !variant) {
      await record('failed', { message: !sub ? 'subscriber record missing' : 'variant missing' });
      return;
    }
    const links = subscriberLinks(
      deps.publicUrl(),
      sid,
      deps.linkKeys,
      Math.floor(deps.now().getTime() / 1000),
    );
    // The envelope sender names edition and subscriber, so a bounce needs no parsing to be placed.
    const feedback = signFeedback
      ? feedbackAddresses(data.editionId, sid, deps.linkKeys[0]!, deps.bounceDomain)
      : undefined;
    const message = await variant.composeToSend(
      {
        subscriberId: sid,
        email: sub.email,
        name: sub.name,
        format: sub.format,
        // The digest's dates in the reader's zone (prepared-edition.ts fills its date slots).
        timezone: sub.timezone,
        unsubscribeUrl: links.unsubscribe,
        preferencesUrl: links.preferences,
        returnPath: feedback?.bounce,
        unsubscribeMailto: feedback?.unsubscribe,
      },
      // Date: the hand-off, now (not the edition's scheduled time).
      { dotStuffed: deps.mailer.acceptsDotStuffed, scratch: lane.scratch, date: deps.now() },
    );
    lane.scratch = undefined;
    try {
      await relay.send(message);
      lane.unrecorded = sid;
      // Accepted: every byte of it has been written, so its memory is free for the next message. After
      // a failure it is not reused (a write could still be queued on the broken socket).
      if (Buffer.isBuffer(message.raw)) lane.scratch = messageMemory(message.raw);
    } catch (err) {
      const failure = err as SmtpFailure & { message?: string };
      switch (classifySmtpError(failure)) {
        case 'temporary':
          result.retryLater = true;
          return record((attempts[i] ?? 0) + 1 >= deps.maxAttempts ? 'failed' : 'retry', failure);
        case 'throttled':
          result.stop ??= 'throttled';
          result.retryLater = true;
          return record('retry', failure);
        case 'unreachable':
          // A new connection for this message failed (the relay went away just now): the lane's next
          // `ready` waits out the outage; this recipient is retried with the job.
          result.retryLater = true;
          return record('retry', failure);
        case 'config':
          await pause(failure);
          return record('pending', failure);
        case 'bounce':
          await record('bounced', failure);
          return deps.subscribers.markBounced(sid, failureReason(failure));
        case 'rejected':
          return record('failed', failure);
        case 'uncertain':
          return record('uncertain', failure);
      }
    }
  };

  let next = 0;
  const runLane = async () => {
    const lane: Lane = { unrecorded: undefined, scratch: undefined };
    const relay = deps.mailer.lane();
    try {
      while (!result.stop && next < ids.length) {
        if (deps.stopping?.()) {
          result.stop = 'shutdown';
          break;
        }
        // A connection first, then the claim: an unreachable relay holds the lane here.
        let ready: boolean;
        try {
          ready = await relay.ready(deps.stopping);
        } catch (err) {
          // Login or certificate refused, or an outage past RELAY_OUTAGE_LIMIT: nobody was claimed.
          if (!result.stop) await pause(err as SmtpFailure);
          break;
        }
        if (!ready) {
          result.stop = 'shutdown';
          break;
        }
        if (result.stop || next >= ids.length) break;
        await one(lane, relay, next++);
      }
    } finally {
      relay.release();
      await flush(lane);
    }
  };
  // A lane runs while it holds one of the process's lane slots: across all the batches a worker runs
  // at once, no more recipients are claimed than the SMTP pool can carry, so each claim goes out at
  // once and a killed worker leaves at most that many deliveries uncertain. A batch whose lanes wait
  // has its recipients read and its variants prepared by the time a slot frees.
  const lanes = Math.max(1, Math.min(deps.lanes, ids.length));
  await Promise.all(Array.from({ length: lanes }, () => deps.laneSlots(runLane)));
  return result;
}

/** One line for the edition's pause reason or the subscriber's bounce: our words, with the codes. */
function failureReason(failure: SmtpFailure & { message?: string }): string {
  if (failure.code === 'ERELAYDOWN') return failure.message ?? 'relay unreachable';
  if (failure.stage === 'connect') return describeRelayFailure(failure);
  return [failure.code, failure.responseCode, failure.message?.slice(0, 120)].filter(Boolean).join(' ');
}
