/**
 * A time zone as a person types it, made the one stored form: the IANA name with its canonical case
 * (`europe/paris` → `Europe/Paris`, `US/Eastern` → `America/New_York`). Abbreviations are refused with
 * a suggestion: `EST` or `CET` names no place and no daylight-saving rule (ICU maps `EST` to
 * America/Panama, which never moves its clocks, so a New York reader would get her digest an hour late
 * half the year). Pure; the zone data is the runtime's own (ICU through Intl).
 */

export type CheckedTimeZone = { ok: true; value: string } | { ok: false; reason: string };

/** What people mean by the abbreviations they type most; the suggestion, never applied silently. */
const SUGGESTIONS: Record<string, string> = {
  EST: 'America/New_York',
  EDT: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  AKST: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  GMT: 'Europe/London',
  BST: 'Europe/London',
  WET: 'Europe/Lisbon',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  MET: 'Europe/Paris',
  EET: 'Europe/Athens',
  EEST: 'Europe/Athens',
  MSK: 'Europe/Moscow',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
  NZST: 'Pacific/Auckland',
};

/** Names without a region that still are a zone of their own. */
const PLAIN = new Set(['UTC']);

export function canonicalTimeZone(given: string): CheckedTimeZone {
  const text = given.trim();
  if (!text)
    return { ok: false, reason: 'the timezone is empty (an IANA name such as Europe/Berlin or UTC)' };
  const upper = text.toUpperCase();
  if (!text.includes('/') && !PLAIN.has(upper)) {
    const suggestion = SUGGESTIONS[upper.replace(/[0-9+-].*$/, '')];
    return {
      ok: false,
      reason: `"${text}" is an abbreviation, not a place: use an IANA name such as ${suggestion ?? 'Europe/Berlin'} (it knows the daylight-saving dates)`,
    };
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return { ok: false, reason: `unknown timezone "${text}" (an IANA name such as Europe/Berlin or UTC)` };
  }
  return { ok: true, value: resolved === 'Etc/UTC' || resolved === 'Etc/GMT' ? 'UTC' : resolved };
}
