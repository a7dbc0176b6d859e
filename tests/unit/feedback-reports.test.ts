/**
 * Reading the fixtures of tests/fixtures/feedback/ (pure): DSNs as Postfix, Exchange Online and Gmail
 * write them, the RFC 5965 example, and what is not a report; then what each means for whom.
 */
import { describe, expect, it } from 'vitest';
import {
  feedbackAddresses,
  feedbackLoopAddress,
  verifyFeedbackAddress,
} from '../../src/feedback/feedback-address.ts';
import { bounceSeverity } from '../../src/feedback/feedback-event.ts';
import { interpretInbound } from '../../src/feedback/interpret-inbound.ts';
import { parseFeedbackMessage, reportFields } from '../../src/feedback/parse-report.ts';
import { feedbackFixture } from '../helpers/feedback-fixtures.ts';

const key = { id: 'k1', secret: 'feedback-test-secret-0123456789' };
const domain = 'bounces.example.com';
const sub = 'AbCdEfGhIjKlMnOp';
const addresses = feedbackAddresses('2026-W47', sub, key, domain);
const values = {
  returnPath: addresses.bounce,
  recipient: 'reader@example.org',
  messageId: `<2026-W47.${sub}@example.com>`,
};
const verify = (a: string) => verifyFeedbackAddress(a, [key], domain);
const bounceTo = verify(addresses.bounce)!;
const loopTo = verify(feedbackLoopAddress(key, domain))!;

describe('parsing feedback reports', () => {
  it.each([
    ['postfix-dsn-hard.eml', '5.1.1', 'hard', 'mx.example.org'],
    ['postfix-dsn-soft.eml', '4.2.2', 'soft', 'mx.example.org'],
    ['exchange-online-ndr.eml', '5.1.10', 'hard', 'bn8pr04mb6211.namprd04.prod.outlook.com'],
    ['gmail-dsn.eml', '5.1.1', 'hard', 'googlemail.com'],
  ])('%s: a %s DSN, %s', async (file, status, severity, mta) => {
    const report = await parseFeedbackMessage(feedbackFixture(file, values));
    expect(report).toMatchObject({ type: 'dsn', reportingMta: mta, nonStandard: false });
    if (report.type !== 'dsn') return;
    expect(report.recipients).toEqual([expect.objectContaining({ action: 'failed', status })]);
    expect(report.recipients[0]!.finalRecipient).toBe('reader@example.org');
    expect(report.original.messageId).toBe(values.messageId);
    expect(report.original.returnPath).toBe(addresses.bounce);
    const { events, ignored } = interpretInbound([bounceTo], report, '<dsn-1@mx>', verify);
    expect(ignored).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'bounce', severity, subscriberId: sub, editionId: '2026-W47' }),
    ]);
  });

  it('the RFC 5965 example report: an abuse complaint', async () => {
    const report = await parseFeedbackMessage(feedbackFixture('arf-rfc5965.eml'));
    expect(report).toMatchObject({
      type: 'arf',
      feedbackType: 'abuse',
      userAgent: 'SomeGenerator/1.0',
      originalMailFrom: 'somespammer@example.net',
      originalRcptTo: 'user@example.com',
      original: { messageId: '<8787KJKJ3K4J3K4J3K4J3.mail@example.net>' },
    });
    // Sent to a bounce address, it is about that address's subscriber.
    expect(interpretInbound([bounceTo], report, 'k', verify).events).toEqual([
      expect.objectContaining({ kind: 'complaint', subscriberId: sub }),
    ]);
    // Sent to the feedback-loop address, it names nothing of ours.
    expect(interpretInbound([loopTo], report, 'k', verify)).toEqual({
      events: [],
      ignored: [expect.stringContaining('names no digest of ours')],
    });
  });

  it('a feedback-loop report about a digest is identified by its signed Return-Path, else its Message-ID', async () => {
    const report = await parseFeedbackMessage(feedbackFixture('arf-digest.eml', values));
    expect(interpretInbound([loopTo], report, 'k', verify).events).toEqual([
      expect.objectContaining({ kind: 'complaint', subscriberId: sub, editionId: '2026-W47' }),
    ]);
    const byId = await parseFeedbackMessage(
      feedbackFixture('arf-digest.eml', { ...values, returnPath: 'x@y.example' }),
    );
    expect(interpretInbound([loopTo], byId, 'k', verify).events[0]?.detail).toContain('Message-ID');
  });

  it('an auto-reply, broken MIME and a report about nobody of ours are ignored with a reason', async () => {
    const auto = await parseFeedbackMessage(feedbackFixture('auto-reply.eml', values));
    expect(interpretInbound([bounceTo], auto, 'k', verify).ignored).toEqual([
      expect.stringContaining('not a delivery or complaint report'),
    ]);
    const broken = await parseFeedbackMessage(feedbackFixture('broken-mime.eml', values));
    expect(broken.type).toBe('unreadable');
    expect(interpretInbound([bounceTo], broken, 'k', verify).events).toEqual([]);
    const nobody = await parseFeedbackMessage(feedbackFixture('report-without-recipient.eml'));
    expect(interpretInbound([loopTo], nobody, 'k', verify).ignored).toEqual([
      expect.stringContaining('names no digest of ours'),
    ]);
  });

  it('a mailto unsubscribe needs no report', () => {
    const to = verify(addresses.unsubscribe)!;
    const { events } = interpretInbound([to], { type: 'unreadable', reason: 'x' }, 'k', verify);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'unsubscribe', subscriberId: sub, origin: 'mailto' }),
    ]);
  });

  it('judges status codes: the address is bad (hard), or something else is (soft)', () => {
    expect(bounceSeverity('failed', '5.1.1')).toBe('hard');
    expect(bounceSeverity('failed', '5.1.10')).toBe('hard');
    expect(bounceSeverity('failed', '5.2.1')).toBe('hard');
    expect(bounceSeverity('failed', '5.0.0')).toBe('hard');
    expect(bounceSeverity('failed', '5.2.2')).toBe('soft');
    expect(bounceSeverity('failed', '5.7.26')).toBe('soft');
    expect(bounceSeverity('failed', '4.4.7')).toBe('soft');
    expect(bounceSeverity('delayed', '4.4.1')).toBeUndefined();
    expect(bounceSeverity('delivered', '2.0.0')).toBeUndefined();
  });

  it('reads report fields: folded lines, repeated names, groups', () => {
    expect(reportFields('A: 1\nB: x\n  y\nB: z\n\nC: 3\n')).toEqual([{ a: '1', b: 'x y\nz' }, { c: '3' }]);
  });
});
