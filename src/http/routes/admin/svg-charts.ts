/**
 * Inline SVG bar charts for the dashboard (no chart library, no build step): sends per minute over an
 * edition, and weekly growth (up) against churn (down). Pure: numbers in, markup out. Every text in
 * the markup comes from numbers or is escaped, so it can be injected into the page as it is.
 */
import type { MinuteCount } from '../../../observability/send-timeline.ts';
import type { WeekTrend } from '../../../observability/subscriber-trends.ts';

const W = 640;
const H = 200;
const PAD = { top: 16, right: 8, bottom: 28, left: 44 };
const COLORS = { sent: '#2f7d4f', other: '#c8553d', joined: '#2f7d4f', churn: '#c8553d' };

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Bar {
  label: string;
  up: Array<{ value: number; color: string; name: string }>;
  down?: Array<{ value: number; color: string; name: string }>;
}

/** At most this many bars; longer sends are grouped into wider time buckets. */
export const MAX_BARS = 120;

export function sendsPerMinuteSvg(minutes: MinuteCount[]): string {
  if (minutes.length === 0) return emptyChart('Sends per minute', 'No sends yet.');
  const first = minutes[0]!.minute;
  const last = minutes[minutes.length - 1]!.minute;
  const span = (last - first) / 60_000 + 1;
  const bucket = Math.ceil(span / MAX_BARS);
  const bars: Bar[] = [];
  const byMinute = new Map(minutes.map((m) => [m.minute, m]));
  for (let i = 0; i < span; i += bucket) {
    let sent = 0;
    let other = 0;
    for (let j = i; j < Math.min(span, i + bucket); j++) {
      const m = byMinute.get(first + j * 60_000);
      sent += m?.sent ?? 0;
      other += m?.other ?? 0;
    }
    const at = new Date(first + i * 60_000).toISOString().slice(11, 16);
    bars.push({
      label: at,
      up: [
        { value: sent, color: COLORS.sent, name: 'sent' },
        { value: other, color: COLORS.other, name: 'other outcomes' },
      ],
    });
  }
  const unit = bucket === 1 ? 'minute' : `${bucket} minutes`;
  return barChart(`Sends per ${unit} (UTC)`, bars, [
    ['sent', COLORS.sent],
    ['retries, bounces, failures, skips', COLORS.other],
  ]);
}

export function growthSvg(weeks: WeekTrend[]): string {
  if (weeks.length === 0) return emptyChart('Weekly growth and churn', 'No data.');
  const bars: Bar[] = weeks.map((w) => ({
    label: w.week.slice(5),
    up: [{ value: w.joined, color: COLORS.joined, name: 'joined' }],
    down: [
      { value: w.unsubscribed, color: COLORS.churn, name: 'unsubscribed' },
      { value: w.bounced, color: '#8a3b8f', name: 'bounced or complained' },
    ],
  }));
  return barChart('Weekly growth (up) and churn (down)', bars, [
    ['joined', COLORS.joined],
    ['unsubscribed', COLORS.churn],
    ['bounced or complained', '#8a3b8f'],
  ]);
}

function barChart(title: string, bars: Bar[], legend: Array<[string, string]>): string {
  const sum = (xs: Array<{ value: number }> | undefined) => (xs ?? []).reduce((n, x) => n + x.value, 0);
  const maxUp = Math.max(1, ...bars.map((b) => sum(b.up)));
  const maxDown = Math.max(0, ...bars.map((b) => sum(b.down)));
  const plotH = H - PAD.top - PAD.bottom;
  const scale = plotH / (maxUp + maxDown);
  const zeroY = PAD.top + maxUp * scale;
  const plotW = W - PAD.left - PAD.right;
  const slot = plotW / bars.length;
  const barW = Math.max(1, slot * 0.8);
  const parts: string[] = [];
  bars.forEach((b, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    let y = zeroY;
    for (const seg of b.up) {
      if (seg.value <= 0) continue;
      const h = seg.value * scale;
      y -= h;
      parts.push(rect(x, y, barW, h, seg.color, `${b.label}: ${seg.value} ${seg.name}`));
    }
    let yd = zeroY;
    for (const seg of b.down ?? []) {
      if (seg.value <= 0) continue;
      const h = seg.value * scale;
      parts.push(rect(x, yd, barW, h, seg.color, `${b.label}: ${seg.value} ${seg.name}`));
      yd += h;
    }
  });
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8));
  const labels = bars
    .map((b, i) =>
      i % labelEvery === 0 || i === bars.length - 1
        ? `<text x="${f(PAD.left + i * slot + slot / 2)}" y="${H - 10}" text-anchor="middle">${esc(b.label)}</text>`
        : '',
    )
    .join('');
  const axis = [
    `<line x1="${PAD.left}" y1="${f(zeroY)}" x2="${W - PAD.right}" y2="${f(zeroY)}" stroke="#888"/>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${maxUp}</text>`,
    `<text x="${PAD.left - 6}" y="${f(zeroY + 4)}" text-anchor="end">0</text>`,
    maxDown > 0 ? `<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">−${maxDown}</text>` : '',
  ].join('');
  const legendText = legend
    .map(
      ([name, color], i) =>
        `<rect x="${PAD.left + i * 170}" y="2" width="10" height="10" fill="${color}"/><text x="${PAD.left + i * 170 + 14}" y="11">${esc(name)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" class="chart" font-size="11" font-family="system-ui, sans-serif" fill="#333"><title>${esc(title)}</title>${legendText}${parts.join('')}${axis}${labels}</svg>`;
}

function rect(x: number, y: number, w: number, h: number, color: string, tip: string): string {
  return `<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(Math.max(h, 0.5))}" fill="${color}"><title>${esc(tip)}</title></rect>`;
}

function emptyChart(title: string, note: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} 60" role="img" aria-label="${esc(title)}" class="chart" font-size="12" font-family="system-ui, sans-serif" fill="#666"><title>${esc(title)}</title><text x="${W / 2}" y="34" text-anchor="middle">${esc(note)}</text></svg>`;
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();
