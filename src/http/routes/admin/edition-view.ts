/** What the dashboard and `/api/editions` show of an edition: ledger counts, progress, SMTP replies. */
import type { Container } from '../../../app/container.ts';
import { controlDeps } from '../../../app/step-deps.ts';
import { type EditionStatusReport, editionStatus } from '../../../delivery/edition-control.ts';
import { describeOutage } from '../../../mail/relay-outage.ts';
import { editionProgress } from '../../../observability/edition-progress.ts';
import type { SendProgress } from '../../../observability/send-progress.ts';
import type { MinuteCount, ReplyCount } from '../../../observability/send-timeline.ts';

export interface EditionView {
  report: EditionStatusReport;
  progress: SendProgress;
  /** Outcomes by SMTP reply code, every attempt (a retried 451 counts each time). */
  replies: ReplyCount[];
  perMinute: MinuteCount[];
  /** "relay unreachable since 10:02 UTC, next try in 20 s (last error: ...)" while an outage holds the send. */
  relay: string | undefined;
}

export async function editionView(c: Container, id: string, now: Date): Promise<EditionView> {
  const report = await editionStatus(controlDeps(c), id, now);
  const [perMinute, replies, outage] = await Promise.all([
    c.sendTimeline.perMinute(id),
    c.sendTimeline.replies(id),
    c.relayStatus.read(),
  ]);
  const relay =
    outage && report.status === 'sending' ? describeOutage(outage, now.getTime(), outage.givenUp) : undefined;
  return { report, progress: await editionProgress(c, report, now, perMinute), replies, perMinute, relay };
}

/** The errors only (everything but `sent`), as the dashboard's breakdown table shows them. */
export const errorReplies = (replies: ReplyCount[]) => replies.filter((r) => r.outcome !== 'sent');
