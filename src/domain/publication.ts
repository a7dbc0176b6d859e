export interface Topic {
  id: string;
  name: string;
  description?: string;
}

export interface KeywordRule {
  topic: string;
  /** Case-insensitive words or phrases matched against title and text. */
  keywords: string[];
}

export interface SourceSeed {
  url: string;
  topics?: string[];
}

export interface Publication {
  id: string;
  name: string;
  description: string;
  websiteUrl: string;
  /** Display name and address of the sender; MAIL_FROM overrides. */
  from: { name: string; address: string };
  replyTo: string | undefined;
  /** Required by CAN-SPAM; shown in every footer. */
  postalAddress: string;
  /** IANA timezone the edition weeks are computed in. */
  timezone: string;
  /** 0 = Sunday, 1 = Monday (ISO, default) ... 6 = Saturday. */
  weekStartsOn: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  /** BCP 47 locale of the publication's own text and its readers' default, e.g. en-GB (default `en`). */
  locale: string;
  topics: Topic[];
  /** Feed category (case-insensitive) → topic id. A category equal to a topic's id or name maps by default. */
  categoryMap: Record<string, string>;
  keywordRules: KeywordRule[];
  /**
   * Renamed topics: old id → the current topic that replaced it. Subscribers who chose the old id
   * get the new one; a subscriber left with no known topic is skipped ("no known topic"), never
   * widened to every topic.
   */
  topicAliases: Record<string, string>;
  /** Cron (5 fields) in `timezone` at which the weekly collect → build → send starts. */
  scheduleCron: string;
  /** Delivery hour for subscribers who did not choose one. */
  defaultHour: number;
  topStories: number;
  maxPerSection: number;
  brandColor: string;
  /**
   * The review gate: the weekly schedule builds a draft, mails `reviewers` a preview link, and the
   * edition is sent only once an operator approved it (`digest approve`).
   */
  reviewBeforeSend: boolean;
  /** Who gets the review notice (required with reviewBeforeSend). */
  reviewers: string[];
  /** Sources registered on first start (paths are relative to the publication file). */
  sources: SourceSeed[];
}
