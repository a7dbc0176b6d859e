/**
 * What the inbound listener does with one accepted message: read the report (parse-report.ts), turn
 * it into events (interpret-inbound.ts), apply each (apply-feedback.ts), and log what was done or
 * why nothing was. Content never throws out of here; only a failure to store does (the listener
 * answers 451 and the sender retries).
 */
import { createHash } from 'node:crypto';
import { type Logger, maskAddresses } from '../logging/logger.ts';
import { applyFeedback, type FeedbackDeps } from './apply-feedback.ts';
import type { VerifiedAddress } from './feedback-address.ts';
import type { FeedbackEvent } from './feedback-event.ts';
import type { InboundMessage } from './inbound-smtp-server.ts';
import { interpretInbound } from './interpret-inbound.ts';
import { type FeedbackReport, parseFeedbackMessage } from './parse-report.ts';

export interface ReceiveDeps {
  feedback: FeedbackDeps;
  verify: (address: string) => VerifiedAddress | undefined;
  logger: Logger;
  now: () => Date;
  /** Called for every applied or ignored message (metrics). */
  onResult?: (result: string, event: FeedbackEvent | undefined) => void;
}

/** The message's own Message-ID, else a hash of its bytes: a DSN sent twice is one event. */
function messageKey(raw: Buffer): string {
  const head = raw.subarray(0, Math.min(raw.length, 16_384)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n]{1,250}>)/im.exec(
    end === -1 ? head : head.slice(0, end),
  );
  return m ? m[1]! : createHash('sha256').update(raw).digest('base64url').slice(0, 32);
}

const NOT_PARSED: FeedbackReport = {
  type: 'other',
  subject: '',
  original: { messageId: undefined, returnPath: undefined },
};

export function createFeedbackMailReceiver(deps: ReceiveDeps): (message: InboundMessage) => Promise<void> {
  return async (message) => {
    // A mailto unsubscribe needs nothing from the body.
    const needsReport = message.to.some((a) => a.kind !== 'unsubscribe');
    const report = needsReport ? await parseFeedbackMessage(message.raw) : NOT_PARSED;
    const { events, ignored } = interpretInbound(message.to, report, messageKey(message.raw), deps.verify);
    for (const reason of ignored) {
      deps.logger.info(
        { event: 'feedback.ignored', reason: maskAddresses(reason), client: message.remoteAddress },
        'inbound message ignored',
      );
      deps.onResult?.('ignored', undefined);
    }
    for (const event of events) {
      const applied = await applyFeedback(deps.feedback, event, deps.now());
      deps.logger.info(
        {
          event: 'feedback.applied',
          kind: event.kind,
          severity: event.severity,
          outcome: applied.outcome,
          softCount: applied.softCount,
          subscriberId: event.subscriberId,
          editionId: event.editionId,
          origin: event.origin,
          detail: maskAddresses(event.detail),
        },
        `feedback: ${event.kind} → ${applied.outcome}`,
      );
      if (applied.paused)
        deps.logger.warn(
          { event: 'edition.paused', editionId: event.editionId, reason: applied.paused },
          applied.paused,
        );
      deps.onResult?.(applied.outcome, event);
    }
  };
}
