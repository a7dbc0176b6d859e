/**
 * The double opt-in email for subscribers an operator added without their confirmation (`subscribers
 * import` without `--confirmed`, `POST /api/subscribers/import`): each new pending subscriber gets the
 * sign-up form's confirmation email, through the same throttle (one per address per 24 hours), a few
 * at a time. The first refused hand-off (the relay down or refusing us) stops the mailing: the rest
 * are counted `notSent` and `digest subscribers confirm-resend --all-pending` sends them later, instead
 * of waiting for one timeout per row.
 */
import pLimit from 'p-limit';
import type { SignUpDeps } from './sign-up.ts';
import { sendConfirmation } from './sign-up.ts';

export interface OptInReport {
  sent: number;
  /** Already mailed within the throttle's window: not mailed again. */
  throttled: number;
  /** Not sent because the relay refused an earlier one (confirm-resend sends them). */
  notSent: number;
}

export interface OptInMailer {
  readonly report: OptInReport;
  /** Mails these subscribers if they are still pending. Never throws for a refused hand-off. */
  mail(subscriberIds: string[]): Promise<void>;
}

/** Hand-offs at once: enough to overlap the relay's round trips, few enough for a small relay. */
const CONCURRENCY = 4;

export function createOptInMailer(deps: SignUpDeps, now: Date): OptInMailer {
  const report: OptInReport = { sent: 0, throttled: 0, notSent: 0 };
  const limit = pLimit(CONCURRENCY);
  let refused = false;
  return {
    report,
    async mail(ids) {
      if (ids.length === 0) return;
      const subscribers = await deps.store.getMany(ids);
      await Promise.all(
        subscribers.map((s) =>
          limit(async () => {
            if (s?.status !== 'pending') return;
            if (refused) {
              report.notSent++;
              return;
            }
            try {
              if (await sendConfirmation(deps, s, 'confirm', now)) report.sent++;
              else report.throttled++;
            } catch (err) {
              refused = true;
              report.notSent++;
              deps.logger.warn(
                { event: 'optin.not-sent', subscriberId: s.id, err },
                'confirmation email not sent; the rest wait for confirm-resend',
              );
            }
          }),
        ),
      );
    },
  };
}

/** The summary line the CLI prints (and the console may show). */
export function optInSummary(r: OptInReport): string {
  const line = `confirmation mail sent to ${r.sent}, ${r.throttled} held by the throttle`;
  return r.notSent
    ? `${line}, ${r.notSent} not sent (the relay refused): digest subscribers confirm-resend --all-pending`
    : line;
}
