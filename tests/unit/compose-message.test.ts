import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMessage, digestMessageId } from '../../src/mail/compose-message.ts';
import { createMessageTemplate, fillMessageTemplate } from '../../src/mail/message-template.ts';
import { TEST_DATE, testFrame } from '../helpers/message-frames.ts';

const html =
  '<!doctype html><html lang="en"><body><p>Hello {{recipient.name}}</p><p>Ch&#225;ng&#8217;e 6</p></body></html>';

const frame = (subject = 'Week 47 · Lunar news', htmlTemplate = html, textTemplate = 'Hello, Chang’e 6') =>
  testFrame(htmlTemplate, textTemplate, { subject });

const recipient = {
  subscriberId: 'sub123',
  email: 'ana@example.com',
  name: 'Ana Müller',
  format: 'html' as const,
  unsubscribeUrl: 'https://digest.test/u/abc.def',
};

describe('composeMessage', () => {
  it('builds a multipart message with the digest headers, parsed back by mailparser', async () => {
    const m = composeMessage(
      frame(),
      recipient,
      {
        html: html.replace('{{recipient.name}}', 'Ana'),
        text: 'Hello, Chang’e 6\r\n',
      },
      TEST_DATE,
    );
    const parsed = await simpleParser(m.raw);
    expect(parsed.messageId).toBe('<2026-W47.sub123@orbit-weekly.example>');
    expect(m.messageId).toBe(digestMessageId('2026-W47', 'sub123', 'orbit-weekly.example'));
    expect(parsed.subject).toBe('Week 47 · Lunar news');
    expect(parsed.from?.value[0]).toMatchObject({
      name: 'Orbit Weekly',
      address: 'digest@orbit-weekly.example',
    });
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toMatchObject({
      name: 'Ana Müller',
      address: 'ana@example.com',
    });
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(m.raw).toContain(
      'List-Unsubscribe: <https://digest.test/u/abc.def>, <mailto:digest@orbit-weekly.example?subject=unsubscribe>',
    );
    expect(parsed.html).toContain('Hello Ana');
    expect(parsed.text?.trim()).toBe('Hello, Chang’e 6');
    expect(m.envelope).toEqual({ from: 'digest@orbit-weekly.example', to: 'ana@example.com' });
    // The ASCII HTML went out without any transfer encoding work.
    expect(m.raw).toMatch(/Content-Type: text\/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit/);
    // The text has a non-ASCII apostrophe: quoted-printable, readable in the raw message.
    expect(m.raw).toMatch(
      /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello, Chang=E2=80=99e 6/,
    );
  });

  it('dates each message with the hand-off time it is given, in both the string and the byte path', async () => {
    const handOff = new Date('2031-02-03T04:05:06Z');
    const m = composeMessage(frame(), recipient, { html: 'x', text: 'x' }, handOff);
    expect(m.raw).toContain('\r\nDate: Mon, 03 Feb 2031 04:05:06 +0000\r\n');
    expect((await simpleParser(m.raw)).date?.toISOString()).toBe(handOff.toISOString());
    const template = createMessageTemplate(frame(), { html: 'x', text: 'x' })!;
    const filled = fillMessageTemplate(
      template,
      { ...recipient, preferencesUrl: 'https://d.test/p/1' },
      {
        dotStuffed: false,
        date: handOff,
      },
    );
    expect(filled.raw.toString('latin1')).toContain('\r\nDate: Mon, 03 Feb 2031 04:05:06 +0000\r\n');
  });

  it('wraps a long non-ASCII text line with soft breaks that mailparser joins back', async () => {
    const line = `${'Lunar news · '.repeat(20)}end`;
    const m = composeMessage(
      frame(),
      recipient,
      {
        html: html.replace('{{recipient.name}}', 'Ana'),
        text: `${line}\r\n`,
      },
      TEST_DATE,
    );
    const from = m.raw.indexOf('quoted-printable');
    const textPart = m.raw.slice(from, m.raw.indexOf('\r\n--', from));
    expect(textPart).toContain('=\r\n');
    for (const l of textPart.split('\r\n')) expect(l.length).toBeLessThanOrEqual(76);
    expect((await simpleParser(m.raw)).text?.trim()).toBe(line);
  });

  it('never lets CR/LF from a subject or name into the headers', async () => {
    const evil = { ...recipient, name: 'Eve\r\nBcc: victim@example.com' };
    const m = composeMessage(frame('Hi\r\nBcc: all@example.com'), evil, { html: 'x', text: 'x' }, TEST_DATE);
    const headerBlock = m.raw.slice(0, m.raw.indexOf('\r\n\r\n'));
    expect(headerBlock).not.toMatch(/^Bcc:/im);
    const parsed = await simpleParser(m.raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('Hi Bcc: all@example.com');
  });

  it('falls back to base64 when the HTML is not 7bit-safe, and sends text-only by preference', async () => {
    const long = `<p>${'x'.repeat(2000)}</p>`;
    const m = composeMessage(frame('s', long), recipient, { html: long, text: 'plain' }, TEST_DATE);
    expect(m.raw).toMatch(/Content-Type: text\/html; charset=utf-8\r\nContent-Transfer-Encoding: base64/);
    expect((await simpleParser(m.raw)).html).toContain('x'.repeat(2000));
    const t = composeMessage(
      frame(),
      { ...recipient, format: 'text' },
      { html: 'ignored', text: 'only text' },
      TEST_DATE,
    );
    const parsed = await simpleParser(t.raw);
    expect(parsed.html).toBe(false);
    expect(parsed.text?.trim()).toBe('only text');
    expect(t.raw).not.toContain('multipart');
  });
});
