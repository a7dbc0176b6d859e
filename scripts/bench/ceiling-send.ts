/**
 * The transport ceiling (run as its own process by run.ts): prebuilt digest messages pushed through
 * our SMTP hand-off alone (`createSmtpMailer(...).sendRaw`, the same pool settings and as many
 * messages in flight as the send step uses), with no queue, no ledger and no rendering in the timed
 * part. It is the best the hand-off can do on this machine and sink.
 *
 *   node bin/tsx-run.js scripts/bench/ceiling-send.ts --smtp URL --edition 2026-W47 --count 10000
 *        --connections 10 --max-messages 1000 --inflight 10
 *
 * A pool of up to 500 distinct messages (each about 80 KB) is built first and reused round-robin:
 * the transport's work per message is the same, and 10,000 prebuilt copies would be 800 MB.
 * Prints one JSON line: { messages, ms, peakRssMb, cpuSeconds }.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { editionWindow } from '../../src/core/edition-window.ts';
import { type PreparedVariant, prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { createSmtpMailer } from '../../src/mail/smtp-mailer.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { benchAddress, benchArticles, benchName, TOPIC_SETS } from './bench-digest.ts';
import { cpuSeconds, peakRssMb } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    smtp: { type: 'string' },
    /** The sink's certificate (STARTTLS runs), trusted as a CA. */
    ca: { type: 'string' },
    edition: { type: 'string' },
    count: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '10' },
    'max-messages': { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '10' },
  },
});
if (!values.smtp || !values.edition) throw new Error('--smtp and --edition are required');
const editionId = values.edition;
const count = Number(values.count);
const inflight = Number(values.inflight);

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const window = editionWindow(editionId, publication.timezone, publication.weekStartsOn);
const articles = benchArticles(editionId, publication);
const variants: PreparedVariant[] = [];
for (const topics of TOPIC_SETS) {
  const compiled = await buildVariant({
    publication,
    edition: { id: editionId, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() },
    articles,
    topics,
    locale: 'en-GB',
    webUrl: `https://digest.example/editions/${editionId}`,
  });
  if (compiled) variants.push(prepareVariant(editionId, publication, compiled));
}
const mailer = createSmtpMailer({
  url: values.smtp,
  tlsCa: values.ca ? readFileSync(values.ca, 'utf8') : undefined,
  maxConnections: Number(values.connections),
  maxMessages: Number(values['max-messages']),
});
// Prebuilt exactly as the send step builds them (DATA-ready Buffers when the hand-off takes them).
const pool = Array.from({ length: Math.min(count, 500) }, (_, i) =>
  variants[i % variants.length]!.compose(
    {
      subscriberId: `s${i}`,
      email: benchAddress(i),
      name: benchName(i),
      format: 'html',
      unsubscribeUrl: `https://digest.example/u/${i}`,
      preferencesUrl: `https://digest.example/p/${i}`,
    },
    { dotStuffed: mailer.acceptsDotStuffed, date: new Date() },
  ),
);

const t0 = performance.now();
let next = 0;
let sent = 0;
const lane = async () => {
  while (next < count) {
    const m = pool[next++ % pool.length]!;
    await mailer.sendRaw(m);
    sent++;
  }
};
await Promise.all(Array.from({ length: inflight }, lane));
const ms = performance.now() - t0;
await mailer.close();
process.stdout.write(
  `${JSON.stringify({ messages: sent, ms, peakRssMb: peakRssMb(process.pid), cpuSeconds: cpuSeconds(process.pid) })}\n`,
);
