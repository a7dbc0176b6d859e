/**
 * From an inbound message to feedback events (pure): which signed address it came to, what it
 * reports. A mailto unsubscribe needs no report (RFC 2369: any message to the address). A bounce
 * address takes a DSN or an ARF report about its own (edition, subscriber). The feedback-loop address
 * takes reports about any digest, named by the quoted original's Return-Path (signed), else by its
 * Message-ID. Anything else is ignored, with the reason, for the log.
 */
import type { VerifiedAddress } from './feedback-address.ts';
import { parseDigestMessageId } from './feedback-address.ts';
import { bounceSeverity, type FeedbackEvent, oneLineDetail } from './feedback-event.ts';
import type { FeedbackReport } from './parse-report.ts';

export interface Interpretation {
  events: FeedbackEvent[];
  /** Why nothing (or not everything) was done, for the log. */
  ignored: string[];
}

type Target = { editionId: string; subscriberId: string; via: string };

export function interpretInbound(
  to: VerifiedAddress[],
  report: FeedbackReport,
  /** A stable id of the message (its Message-ID, or a hash of it). */
  messageKey: string,
  verify: (address: string) => VerifiedAddress | undefined,
): Interpretation {
  const out: Interpretation = { events: [], ignored: [] };
  for (const address of to) {
    if (address.kind === 'unsubscribe') {
      out.events.push({
        kind: 'unsubscribe',
        subscriberId: address.subscriberId,
        editionId: address.editionId,
        origin: 'mailto',
        eventId: `mailto:${address.editionId}:${address.subscriberId}`,
        detail: 'message to the List-Unsubscribe address',
      });
      continue;
    }
    const target: Target | undefined =
      address.kind === 'bounce' ? { ...address, via: 'bounce address' } : targetOf(report, verify);
    if (report.type === 'unreadable') {
      out.ignored.push(report.reason);
      continue;
    }
    if (report.type === 'other') {
      out.ignored.push(`not a delivery or complaint report ("${oneLineDetail(report.subject, 60)}")`);
      continue;
    }
    if (!target) {
      out.ignored.push('report names no digest of ours (no signed Return-Path, no digest Message-ID)');
      continue;
    }
    const base = { subscriberId: target.subscriberId, editionId: target.editionId };
    if (report.type === 'arf') {
      if (report.feedbackType === 'not-spam') {
        out.ignored.push('feedback type not-spam');
        continue;
      }
      out.events.push({
        ...base,
        kind: 'complaint',
        origin: `arf ${report.reportingMta ?? report.userAgent ?? ''}`.trim(),
        eventId: `arf:${target.editionId}:${target.subscriberId}:${messageKey}`,
        detail: oneLineDetail(`feedback type ${report.feedbackType}, identified by ${target.via}`),
      });
      continue;
    }
    // A DSN to a bounce address is about that address's recipient, whatever its Final-Recipient says
    // (forwarding rewrites it); the worst failure among its recipients counts.
    const judged = report.recipients
      .map((r) => ({ r, severity: bounceSeverity(r.action, r.status) }))
      .filter((x) => x.severity !== undefined)
      .sort((a, b) => (a.severity === 'hard' ? 0 : 1) - (b.severity === 'hard' ? 0 : 1));
    const worst = judged[0];
    if (!worst) {
      out.ignored.push(
        `delivery report without a failure (${report.recipients.map((r) => r.action || '?').join(', ')})`,
      );
      continue;
    }
    out.events.push({
      ...base,
      kind: 'bounce',
      severity: worst.severity,
      origin: `${report.nonStandard ? 'bounce message' : 'dsn'} ${report.reportingMta ?? ''}`.trim(),
      eventId: `dsn:${target.editionId}:${target.subscriberId}:${messageKey}`,
      detail: oneLineDetail(
        `${worst.r.status || 'no status'}${worst.r.diagnostic ? ` ${worst.r.diagnostic}` : ''}`,
      ),
    });
  }
  return out;
}

function targetOf(
  report: FeedbackReport,
  verify: (address: string) => VerifiedAddress | undefined,
): Target | undefined {
  if (report.type !== 'dsn' && report.type !== 'arf') return undefined;
  const returnPaths = [
    report.type === 'arf' ? report.originalMailFrom : undefined,
    report.original.returnPath,
  ];
  for (const rp of returnPaths) {
    const v = rp ? verify(rp) : undefined;
    if (v?.kind === 'bounce')
      return { editionId: v.editionId, subscriberId: v.subscriberId, via: 'Return-Path' };
  }
  const byId = report.original.messageId ? parseDigestMessageId(report.original.messageId) : undefined;
  return byId ? { ...byId, via: 'Message-ID' } : undefined;
}
