/**
 * Feed dates → Date. Feeds use RFC 822 (RSS), ISO 8601 (Atom, JSON Feed, dc:date), and in the wild
 * also local month and day names ("Seg, 24 Set 2018 19:42:40 -0300" from UOL), zone abbreviations
 * V8 does not know, and dates with no zone at all (taken as UTC, never the server's local time).
 * V8's Date.parse is lenient to the point of reading "foo 12" as 2001, so every result must carry
 * the year the text names.
 */
import { tz } from '@date-fns/tz';
import { isValid, parse } from 'date-fns';
import { de, es, fr, it, nl, pt, ptBR } from 'date-fns/locale';

/** Zone abbreviations V8 does not parse, as offsets. */
const ZONES: Record<string, string> = {
  CET: '+0100',
  CEST: '+0200',
  MEZ: '+0100',
  MESZ: '+0200',
  BST: '+0100',
  IST: '+0530',
  EET: '+0200',
  EEST: '+0300',
  WET: '+0000',
  WEST: '+0100',
  JST: '+0900',
  KST: '+0900',
  AEST: '+1000',
  AEDT: '+1100',
  NZST: '+1200',
  NZDT: '+1300',
  BRT: '-0300',
};

const HAS_ZONE = /(?:[+-]\d{2}:?\d{2}|\b(?:GMT|UTC|UT|Z|[ECMP][SD]T)|\dZ)\s*$/i;
const LOCALES = [ptBR, pt, es, fr, de, it, nl];
const LOCAL_FORMATS = [
  'd MMM yyyy HH:mm:ss xx',
  'd MMM yyyy HH:mm xx',
  'd MMMM yyyy HH:mm:ss xx',
  'd MMM yyyy HH:mm:ss',
  'd MMMM yyyy HH:mm:ss',
  'd MMM yyyy HH:mm',
  'd MMM yyyy',
  'd MMMM yyyy',
];

export function parseFeedDate(raw: string | undefined): Date | undefined {
  const text = raw?.trim().replace(/\s+/g, ' ');
  if (!text) return undefined;
  const year = /\b(\d{4})\b/.exec(text)?.[1];
  if (!year) return undefined;
  const accept = (d: Date | undefined) =>
    d && isValid(d) && Math.abs(d.getUTCFullYear() - Number(year)) <= 1 ? d : undefined;

  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    // ISO 8601; with no zone it is UTC (Date.parse would take date-times as local time).
    const iso = text.replace(' ', 'T');
    const zoned = /T.*(?:Z|[+-]\d{2}:?\d{2})$/i.test(iso) || !iso.includes('T') ? iso : `${iso}Z`;
    return accept(new Date(Date.parse(zoned)));
  }

  const zone = /\b([A-Z]{3,4})$/.exec(text)?.[1];
  let english = zone && ZONES[zone] ? text.replace(/\b[A-Z]{3,4}$/, ZONES[zone]) : text;
  if (!HAS_ZONE.test(english) && /\d:\d\d/.test(english)) english = `${english} GMT`;
  const v8 = accept(new Date(Date.parse(english)));
  // Trust V8 only when the month it read is written in English or as a number.
  const words = english.replace(/^[A-Za-z]+,/, '').replace(/\b(GMT|UTC|UT|[ECMP][SD]T)$/i, '');
  const englishMonth = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i.test(words);
  if (v8 && (englishMonth || !/[A-Za-z]{3}/.test(words))) return v8;

  // Local month names: drop the weekday, let date-fns read the rest with each locale.
  const rest = english.replace(/^[^\d,]+,\s*/, '').replace(/\s*(GMT|UTC|UT)$/i, ' +0000');
  for (const locale of LOCALES) {
    for (const format of LOCAL_FORMATS) {
      const d = parse(rest, format, new Date(0), { locale, in: tz('UTC') });
      if (accept(d)) return new Date(d.getTime());
    }
  }
  return undefined;
}
