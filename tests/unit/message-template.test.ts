/**
 * The byte template must produce exactly what the string path produces (Handlebars personaliser +
 * composeMessage), and, stuffed, exactly what Nodemailer's own DATA stream would send for it.
 */
import type { Transform } from 'node:stream';
// Nodemailer's own DATA stream (its per-byte dot-stuffing), the reference the stuffed bytes must match.
import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';
import { describe, expect, it } from 'vitest';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { composePersonalised } from '../../src/mail/compose-message.ts';
import type { createMessageFrame } from '../../src/mail/message-frame.ts';
import {
  createMessageTemplate,
  fillMessageTemplate,
  messageMemory,
  resolveDates,
  type TemplateRecipient,
} from '../../src/mail/message-template.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { type DatedVariant, dateFiller } from '../../src/render/date-slots.ts';
import { compilePersonaliser } from '../../src/render/personalise.ts';
import { FIXTURE_EDITION, fixtureArticles } from '../fixtures/articles.ts';
import { TEST_DATE, testFrame } from '../helpers/message-frames.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);

/** What Nodemailer's DATA stage writes for `raw`: the reference for the stuffed bytes. */
async function nodemailerData(raw: string | Buffer): Promise<Buffer> {
  const Ctor = DataStream as unknown as new () => Transform;
  const stream = new Ctor();
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((res) => stream.on('end', res));
  stream.end(typeof raw === 'string' ? Buffer.from(raw) : raw);
  await done;
  return Buffer.concat(out);
}

const recipients: TemplateRecipient[] = [
  {
    subscriberId: 's1',
    email: 'ada@example.com',
    name: 'Ada',
    format: 'html',
    unsubscribeUrl: 'https://d.test/u/a.b',
    preferencesUrl: 'https://d.test/p/a.b',
  },
  {
    subscriberId: 's2',
    email: 'zoe@example.com',
    name: 'Zoë Ørsted',
    format: 'html',
    timezone: 'Asia/Tokyo',
    unsubscribeUrl: 'https://d.test/u/c.d',
    preferencesUrl: 'https://d.test/p/c.d',
  },
  {
    subscriberId: 's3',
    email: 'dot@example.com',
    name: '.Dot <&> "q"',
    format: 'html',
    unsubscribeUrl: 'https://d.test/u/e.f',
    preferencesUrl: 'https://d.test/p/e.f',
  },
  {
    subscriberId: 's4',
    email: 'plain@example.com',
    name: '',
    format: 'text',
    timezone: 'America/Los_Angeles',
    unsubscribeUrl: 'https://d.test/u/g.h',
    preferencesUrl: 'https://d.test/p/g.h',
  },
  {
    subscriberId: 's5',
    email: 'line@example.com',
    name: 'Two\r\nLines',
    format: 'text',
    unsubscribeUrl: 'https://d.test/u/i.j',
    preferencesUrl: 'https://d.test/p/i.j',
  },
];

function stringPath(
  html: string,
  text: string,
  frame: ReturnType<typeof createMessageFrame>,
  r: TemplateRecipient,
  dated: DatedVariant,
) {
  const personalise = compilePersonaliser({
    key: 'k',
    topics: [],
    articleCount: 1,
    subject: 's',
    preheader: '',
    html,
    text,
    locale: dated.locale,
    timeZone: dated.timeZone,
    dates: dated.dates,
  });
  return composePersonalised(frame, personalise, r, TEST_DATE).raw;
}

const frameFor = (html: string, text: string) => testFrame(html, text, { publication });

/** `dated`: a real variant's date slots, filled in each recipient's zone by both paths. */
async function expectSameBytes(html: string, text: string, dated: DatedVariant = {}) {
  const frame = frameFor(html, text);
  const template = createMessageTemplate(frame, { html, text });
  expect(template).toBeDefined();
  const datesIn = dateFiller(dated);
  for (const r of recipients) {
    const reference = stringPath(html, text, frame, r, dated);
    const dates = datesIn(r.timezone);
    const plain = fillMessageTemplate(template!, r, { dotStuffed: false, date: TEST_DATE }, dates);
    expect(plain.raw.toString('latin1'), r.name).toBe(Buffer.from(reference).toString('latin1'));
    expect(plain.dotStuffed).toBe(false);
    const stuffed = fillMessageTemplate(template!, r, { dotStuffed: true, date: TEST_DATE }, dates);
    expect(stuffed.raw.toString('latin1'), r.name).toBe((await nodemailerData(reference)).toString('latin1'));
    expect(stuffed.messageId).toBe(`<2026-W47.${r.subscriberId}@${frame.domain}>`);
  }
}

describe('message template', () => {
  it('fills real digest variants byte for byte like the string path, plain and stuffed', async () => {
    let dotLines = 0;
    // German and Arabic dates are not ASCII: the text part of those zones' lists is quoted-printable.
    const cases: Array<[string[], string]> = [
      [[], 'en-GB'],
      [['lunar'], 'de'],
      [['launch'], 'ar'],
      [['policy', 'markets'], 'en-GB'],
    ];
    for (const [topics, locale] of cases) {
      const variant = await buildVariant({
        publication,
        edition: FIXTURE_EDITION,
        articles: fixtureArticles(),
        topics,
        locale,
        webUrl: 'https://d.test/editions/2026-W47',
      });
      if (!variant) continue;
      const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, '\r\n');
      dotLines += crlf(variant.html).split('\r\n.').length - 1;
      await expectSameBytes(crlf(variant.html), crlf(variant.text), variant);
      // The text's encoded lines between two slot lines are one piece, not one piece per line.
      const template = resolveDates(
        createMessageTemplate(frameFor(crlf(variant.html), crlf(variant.text)), {
          html: crlf(variant.html),
          text: crlf(variant.text),
        })!,
        dateFiller(variant)(undefined),
      );
      const slotLines = template.textQp.filter((line) => !('bytes' in line)).length;
      expect(slotLines).toBeGreaterThan(0);
      expect(template.textQp.length).toBeLessThanOrEqual(2 * slotLines + 1);
    }
    // No line of a real variant starts with a dot (mail-safe-html indents MJML's CSS selectors), so
    // nothing needs unstuffing at the relay; stuffing itself is covered by the synthetic cases below.
    expect(dotLines).toBe(0);
  });

  it('stuffs dots at line starts inside pieces, across piece edges and in recipient values', async () => {
    const html =
      '.a\r\n{{recipient.name}}\r\n.b {{links.unsubscribe}}\r\n{{recipient.name}}.c\r\n..d {{links.preferences}}\r\n';
    const text = '.t {{recipient.email}}\r\n{{recipient.name}}\r\n.end\r\n';
    await expectSameBytes(html, text);
    // Quoted-printable text (not ASCII): dots at the start of static lines merged into one piece.
    await expectSameBytes(html, 'Zoë\r\n.a\r\n.b\r\n{{recipient.name}}\r\n.c\r\nü ü\r\n.d\r\n.');
  });

  it('writes into the memory of the previous message when it fits, with the same bytes', () => {
    const html = '<p>{{recipient.name}}</p>\r\n.x\r\n';
    const frame = frameFor(html, 'Hi {{recipient.name}}\r\n');
    const t = createMessageTemplate(frame, { html, text: 'Hi {{recipient.name}}\r\n' })!;
    const first = fillMessageTemplate(t, recipients[0]!, { dotStuffed: true, date: TEST_DATE });
    const memory = messageMemory(first.raw as Buffer);
    expect(memory.length).toBeGreaterThan(first.raw.length);
    const fresh = fillMessageTemplate(t, recipients[2]!, { dotStuffed: true, date: TEST_DATE });
    const reused = fillMessageTemplate(t, recipients[2]!, {
      dotStuffed: true,
      scratch: memory,
      date: TEST_DATE,
    });
    expect((reused.raw as Buffer).buffer).toBe(memory.buffer);
    expect(reused.raw.toString('latin1')).toBe(fresh.raw.toString('latin1'));
    // Too small: fresh memory, same bytes.
    const small = fillMessageTemplate(t, recipients[2]!, {
      dotStuffed: true,
      scratch: Buffer.alloc(8),
      date: TEST_DATE,
    });
    expect(small.raw.toString('latin1')).toBe(fresh.raw.toString('latin1'));
  });

  it('keeps a text part with non-ASCII as base64 and still matches', async () => {
    await expectSameBytes('<p>{{recipient.name}}</p>\r\n', 'Chang’e 6 for {{recipient.name}}\r\n.\r\n');
  });

  it('leaves anything but the four placeholders to the string path', async () => {
    const html = '<p>{{#if recipient.name}}Hi {{recipient.name}}{{/if}}</p>\r\n';
    expect(createMessageTemplate(frameFor(html, 'x'), { html, text: 'x' })).toBeUndefined();
    expect(
      createMessageTemplate(frameFor('{{publication.name}}', 'x'), {
        html: '{{publication.name}}',
        text: 'x',
      }),
    ).toBeUndefined();
    const prepared = prepareVariant('2026-W47', publication, {
      key: 'k',
      topics: [],
      articleCount: 1,
      subject: 'S',
      preheader: '',
      html,
      text: 'Hi {{recipient.name}}',
    });
    const m = prepared.compose(recipients[0]!, { dotStuffed: true, date: TEST_DATE });
    expect(m.dotStuffed).toBeFalsy();
    expect(m.raw.toString()).toContain('Hi Ada');
  });
});
