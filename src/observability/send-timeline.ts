/**
 * What the send workers did per minute and per SMTP reply, kept per edition in Redis so that every
 * worker process adds to the same series. The dashboard draws "sends per minute" and the error
 * breakdown from it; the ledger stays the truth about who got what.
 */
export interface MinuteCount {
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  sent: number;
  /** Every other outcome (retry, bounced, failed, uncertain, skipped) in that minute. */
  other: number;
}

export interface ReplyCount {
  outcome: string;
  /** SMTP reply code, or undefined for outcomes without one (network errors, skipped). */
  smtpCode: number | undefined;
  count: number;
}

export interface SendTimeline {
  /** Buffered in memory and written about once a second, so the send path adds no round trip. */
  record(editionId: string, outcome: string, smtpCode: number | undefined, at: Date): void;
  /** Writes what is buffered (called on shutdown, and by tests before they read). */
  flush(): Promise<void>;
  perMinute(editionId: string): Promise<MinuteCount[]>;
  replies(editionId: string): Promise<ReplyCount[]>;
}
