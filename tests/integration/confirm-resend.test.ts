/**
 * `digest subscribers confirm-resend`: pending subscribers get the double opt-in email again through
 * the sign-up form's throttle (one per address per 24 hours); others are never mailed. Real Redis,
 * real SMTP (STARTTLS sink).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import {
  confirmationDeps,
  pendingSubscribers,
  resendConfirmations,
} from '../../src/subscribers/confirm-resend.ts';
import { digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

describe('confirm-resend', () => {
  let sink: SmtpSink;
  let container: Container;

  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
  });
  afterAll(async () => {
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('mails every pending subscriber once, and not again within the window', async () => {
    for (const email of ['p1@example.com', 'p2@example.com'])
      await container.subscribers.create(
        { email, status: 'pending', timezone: 'UTC', hour: 8, locale: '' },
        'admin',
      );
    await container.subscribers.create(
      { email: 'active@example.com', status: 'active', timezone: 'UTC', hour: 8, locale: '' },
      'admin',
    );
    const deps = confirmationDeps(container);
    const first = await resendConfirmations(deps, pendingSubscribers(container.subscribers), new Date());
    expect(first).toEqual({ mailed: 2, throttled: 0, notPending: 0 });
    await sink.waitFor(2);
    const to = sink.messages.flatMap((m) => m.envelopeTo).sort();
    expect(to).toEqual(['p1@example.com', 'p2@example.com']);
    for (const m of sink.messages) expect(m.parsed.text ?? '').toContain(`${container.publicUrl}/c/`);

    const again = await resendConfirmations(deps, pendingSubscribers(container.subscribers), new Date());
    expect(again).toEqual({ mailed: 0, throttled: 2, notPending: 0 });
  });

  it('refuses a call without --email or --all-pending with one line', () => {
    const digest = digestCli({ prefix: container.prefix, dataDir: '/nonexistent-data-dir' });
    const res = digest('subscribers', 'confirm-resend');
    expect(res.code).toBe(2);
    expect(res.err.trim()).toBe('digest: give --email ADDRESS or --all-pending (one of the two)');
  }, 60_000);
});
