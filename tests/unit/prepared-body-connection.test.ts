/**
 * Guard of the one seam into Nodemailer (src/mail/prepared-body-connection.ts): fails when a Nodemailer
 * release moves or reshapes the internals the seam overrides or calls, so an upgrade that would lose
 * the fast path or the knowledge of the final "." is noticed before it ships.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { describe, expect, it } from 'vitest';
import {
  internalsPresent,
  NODEMAILER_INTERNALS,
  PreparedBodyConnection,
} from '../../src/mail/prepared-body-connection.ts';

const proto = SMTPConnection.prototype as unknown as Record<string, unknown>;

describe('the Nodemailer seam', () => {
  it('finds the internal methods it overrides and calls, with the arity it uses', () => {
    expect(internalsPresent).toBe(true);
    const create = proto[NODEMAILER_INTERNALS.createSendStream] as (...a: unknown[]) => unknown;
    const reply = proto[NODEMAILER_INTERNALS.actionSmtpStream] as (...a: unknown[]) => unknown;
    expect(typeof create).toBe('function');
    expect(create.length).toBe(1); // (callback)
    expect(typeof reply).toBe('function');
    expect(reply.length).toBe(2); // (response, callback)
    // `send` still calls the step after the 354 by that name, and hands the message to its write().
    const send = String(proto.send);
    expect(send).toContain(`this.${NODEMAILER_INTERNALS.createSendStream}(`);
    expect(send).toMatch(/stream\.write\(message\)/);
    expect(send).toContain('outByteCount');
    // The 354 handler pushes the reply handler on the queue the seam also pushes on.
    expect(String(proto[NODEMAILER_INTERNALS.createSendStream])).toContain(
      `this.${NODEMAILER_INTERNALS.responseActions}.push`,
    );
  });

  it('a new connection has the fields the seam reads, in the shape it expects', () => {
    const conn = new PreparedBodyConnection({ host: '127.0.0.1', port: 9 });
    const fields = conn as unknown as Record<string, unknown>;
    expect(Array.isArray(fields[NODEMAILER_INTERNALS.responseActions])).toBe(true);
    expect(NODEMAILER_INTERNALS.socket in fields).toBe(true);
    expect(fields[NODEMAILER_INTERNALS.socket]).toBe(false);
    expect(typeof (fields.options as { lmtp?: unknown }) === 'object').toBe(true);
  });

  it('overrides nothing else of SMTPConnection', () => {
    const own = Object.getOwnPropertyNames(PreparedBodyConnection.prototype).sort();
    expect(own).toEqual(['_createSendStream', 'constructor', 'sendPrepared']);
  });
});
