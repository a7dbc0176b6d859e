/**
 * The dates of a digest, in each reader's own time zone (pure). A variant is compiled once per
 * (topics, locale) and shared by readers in every zone, so its dates cannot be written into it: the
 * build leaves a slot per distinct date (`DateSlot`: an article's day, the edition's range and
 * heading), and the send step fills the slots from a list of strings made once per (variant, zone).
 *
 * An article's day is an instant's, so it is read in the reader's zone: a story from late Sunday
 * evening in Berlin is Monday's in Tokyo. The edition's date line names a week of the publication's
 * calendar ("Week 47 · 16–22 November"), not two instants: converted to Tokyo it would read as an
 * eight-day "16–23 November", so it stays the publication's days for every reader.
 */
import { htmlLang } from './date-locale.ts';
import { editionHeading } from './edition-heading.ts';

export type DateSlot =
  /** An article's day: "Sun 22 Nov", "So., 22. Nov." */
  | { kind: 'day'; at: string }
  /** The edition's days: "16–22 November 2026" */
  | { kind: 'range'; id: string; start: string; end: string }
  /** The edition's date line: "Week 47 · 16–22 November 2026" */
  | { kind: 'heading'; id: string; start: string; end: string };

/** The date slots a variant was built with, and the zone its build used (the publication's). */
export interface DatedVariant {
  /** The readers' locale; undefined in variants stored before slots existed (they hold no slot). */
  locale?: string | undefined;
  /** The publication's zone: the dates of a reader without a valid zone of their own. */
  timeZone?: string | undefined;
  dates?: DateSlot[] | undefined;
}

/**
 * Collects a render's date slots: each distinct date once, numbered in order of first use. `ref(i)`
 * is what the template sees in place of the date (a slot sentinel at build time).
 */
export class DateSlotBook {
  readonly slots: DateSlot[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly ref: (i: number) => string) {}

  add(slot: DateSlot): string {
    const key = JSON.stringify(slot);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.slots.push(slot) - 1;
      this.index.set(key, i);
    }
    return this.ref(i);
  }
}

/**
 * The slots as one reader reads them: their locale, their zone for the articles' days, the
 * publication's zone (`editionZone`, by default the reader's) for the edition's week. Throws
 * RangeError for an unknown zone.
 */
export function formatDateSlots(
  slots: readonly DateSlot[],
  locale: string,
  timeZone: string,
  editionZone: string = timeZone,
): string[] {
  const tag = htmlLang(locale);
  let day: Intl.DateTimeFormat | undefined;
  return slots.map((slot) => {
    if (slot.kind === 'day') {
      // "Sun 22 Nov", "So., 22. Nov.", "dim. 22 nov.": each language's own order and abbreviations.
      day ??= new Intl.DateTimeFormat(tag, { weekday: 'short', day: 'numeric', month: 'short', timeZone });
      return day.format(new Date(slot.at));
    }
    const heading = editionHeading(
      { id: slot.id, windowStart: slot.start, windowEnd: slot.end },
      editionZone,
      tag,
    );
    return slot.kind === 'range' ? heading.range : heading.heading;
  });
}

const NO_DATES: readonly string[] = Object.freeze([]);

/**
 * A variant's dates per reader zone, formatted once per zone and shared: zones that read every date
 * alike (most of a continent, for day dates) get the same array, so what is built per list of dates
 * (the send step's byte template) is built once per distinct list, not per zone. An unknown or empty
 * zone reads as the variant's own.
 */
export function dateFiller(variant: DatedVariant): (timeZone: string | undefined) => readonly string[] {
  const slots = variant.dates ?? [];
  if (slots.length === 0) return () => NO_DATES;
  const locale = variant.locale ?? 'en';
  const ownZone = variant.timeZone ?? 'UTC';
  const byZone = new Map<string, readonly string[]>();
  const byText = new Map<string, readonly string[]>();
  const format = (zone: string): readonly string[] => {
    let strings: string[];
    try {
      strings = formatDateSlots(slots, locale, zone, ownZone);
    } catch {
      strings = formatDateSlots(slots, locale, ownZone);
    }
    const key = strings.join('\u0000');
    let shared = byText.get(key);
    if (!shared) {
      shared = Object.freeze(strings);
      byText.set(key, shared);
    }
    return shared;
  };
  return (timeZone) => {
    const zone = timeZone || ownZone;
    let strings = byZone.get(zone);
    if (!strings) {
      strings = format(zone);
      byZone.set(zone, strings);
    }
    return strings;
  };
}
