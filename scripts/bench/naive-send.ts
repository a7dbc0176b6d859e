/**
 * The naive pipeline, as a developer writes it first (run as its own process by run.ts): for each
 * recipient, fill the MJML template, mjml2html, html-to-text, then Nodemailer `sendMail` over a new
 * connection. No queue, no ledger, one recipient after another. It gets its recipients in memory and
 * plain links (no subscriber reads, no HMAC), which only flatters it.
 *
 *   node bin/tsx-run.js scripts/bench/naive-send.ts --smtp URL --edition 2026-W47 --count 300 [--seconds 30]
 *
 * Prints one JSON line: { messages, ms, peakRssMb, cpuSeconds }.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { convert } from 'html-to-text';
import mjml2html from 'mjml';
import nodemailer from 'nodemailer';
import { editionWindow } from '../../src/core/edition-window.ts';
import { messageHelpers } from '../../src/i18n/template-messages.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildDigestModel, digestTranslator } from '../../src/render/digest-model.ts';
import { oneLine } from '../../src/render/render-digest.ts';
import { loadDigestTemplates } from '../../src/render/template-set.ts';
import { benchAddress, benchArticles, benchName, TOPIC_SETS } from './bench-digest.ts';
import { cpuSeconds, peakRssMb } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    smtp: { type: 'string' },
    /** The sink's certificate (STARTTLS runs), trusted as a CA. */
    ca: { type: 'string' },
    edition: { type: 'string' },
    count: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '60' },
  },
});
if (!values.smtp || !values.edition) throw new Error('--smtp and --edition are required');
const smtp = new URL(values.smtp);
const count = Number(values.count);
const deadline = Number(values.seconds) * 1000;

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const templates = loadDigestTemplates();
const articles = benchArticles(values.edition, publication);
const window = editionWindow(values.edition, publication.timezone, publication.weekStartsOn);
const rendered = TOPIC_SETS.map((topics) => {
  const input = {
    publication,
    edition: {
      id: values.edition!,
      windowStart: window.start.toISOString(),
      windowEnd: window.end.toISOString(),
    },
    articles,
    topics,
    locale: 'en-GB',
    webUrl: `https://digest.example/editions/${values.edition}`,
  };
  const model = buildDigestModel(input, 'email')!;
  // The reader's language reaches the templates as the `t` helper, as in render-digest.ts.
  const messages = digestTranslator(input);
  const plain = { helpers: messageHelpers(templates.htmlEnv, messages, 'text') };
  model.subject = oneLine(templates.subject(model, plain));
  model.preheader = oneLine(templates.preheader(model, plain));
  return { model, helpers: { helpers: messageHelpers(templates.htmlEnv, messages, 'html') } };
});

const t0 = performance.now();
let sent = 0;
for (let i = 0; i < count && performance.now() - t0 < deadline; i++) {
  const { model, helpers } = rendered[i % rendered.length]!;
  const email = benchAddress(i);
  const unsubscribe = `https://digest.example/u/${i}`;
  const mjml = templates.layout(
    {
      ...model,
      recipient: { name: benchName(i), email },
      links: { unsubscribe, preferences: `https://digest.example/p/${i}` },
    },
    helpers,
  );
  const { html } = await mjml2html(mjml);
  const text = convert(html, { wordwrap: 78 });
  const transport = nodemailer.createTransport({
    host: smtp.hostname,
    port: Number(smtp.port),
    secure: false,
    // Over STARTTLS a new connection is a new TLS handshake each message, as a naive sender's would be.
    ignoreTLS: smtp.searchParams.get('tls') === 'off',
    tls: values.ca ? { ca: readFileSync(values.ca, 'utf8') } : undefined,
  });
  await transport.sendMail({
    from: { name: publication.from.name, address: publication.from.address },
    to: { name: benchName(i), address: email },
    subject: model.subject,
    html,
    text,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  });
  transport.close();
  sent++;
}
const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({ messages: sent, ms, peakRssMb: peakRssMb(process.pid), cpuSeconds: cpuSeconds(process.pid) })}\n`,
);
