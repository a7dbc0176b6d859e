/**
 * The delivery engine through the `digest` CLI with two real `digest worker` processes on one Redis:
 * every eligible subscriber gets exactly one message, and `digest send --json` / `digest status --json`
 * add up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { createTestContainer } from '../helpers/container.ts';
import { perRecipient, seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const bin = join(import.meta.dirname, '../../bin/digest.js');
const children: ChildProcess[] = [];
let sink: SmtpSink;
let c: Container;

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((ch) => new Promise((r) => (ch.exitCode !== null ? r(null) : ch.once('exit', r)))),
  );
  await c?.close();
  await sink?.stop();
});

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('digest send with two worker processes', () => {
  it('sends each eligible subscriber exactly one message and the JSON summaries add up', async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    // The last complete week, as a bare `digest send` picks it: a fixed id would age past
    // MAX_EDITION_AGE_DAYS and need --force, which is not the path this test is about.
    const edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition, 1);
    const statuses = ['active', 'active', 'active', 'pending', 'unsubscribed'] as const;
    const subs = await seedSubscribers(c, 150, (i) => statuses[i % statuses.length]!);
    const active = subs.filter((s) => s.status === 'active');
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: c.prefix,
      SMTP_URL: sink.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-cli-send-')),
      LINK_SECRET: 'test-link-secret-0123456789',
      PUBLIC_URL: 'https://digest.test',
      SEND_BATCH_SIZE: '10',
      LOG_LEVEL: 'error',
      // The last complete week was due up to 7 days ago (on a Sunday, more than the default 6).
      MAX_EDITION_AGE_DAYS: '13',
    };
    for (let i = 0; i < 2; i++) {
      const w = spawn(process.execPath, [bin, 'worker'], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      });
      children.push(w);
    }
    // Both workers are up when the send queue sees two of them.
    for (let i = 0; i < 600 && (await c.queues.send.getWorkersCount()) < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await c.queues.send.getWorkersCount()).toBe(2);

    const sent = await run(['send', '--edition', edition, '--now', '--wait', '--json'], env);
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    const summary = JSON.parse(sent.out);
    expect(summary).toMatchObject({
      edition,
      status: 'sent',
      eligible: active.length,
      sent: active.length,
    });
    expect(summary.sent + summary.skipped + summary.bounced + summary.uncertain + summary.failed).toBe(
      summary.eligible,
    );

    const again = await run(['send', '--edition', edition, '--now', '--json'], env);
    expect(again.code).toBe(0);
    const status = await run(['status', edition, '--json'], env);
    const s = JSON.parse(status.out);
    expect(s).toMatchObject({ sent: active.length, uncertainIds: [], failedIds: [] });

    const counts = perRecipient(sink.messages);
    expect(sink.messages).toHaveLength(active.length);
    for (const a of active) expect(counts.get(a.email)).toBe(1);

    const set = await run(['schedule', 'set', '0 7 * * 1', '--timezone', 'America/New_York', '--json'], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.out)).toMatchObject({ cron: '0 7 * * 1', timezone: 'America/New_York' });
    const shown = await run(['schedule', 'show', '--json'], env);
    expect(JSON.parse(shown.out)).toMatchObject({ cron: '0 7 * * 1', timezone: 'America/New_York' });
    const badCron = await run(['schedule', 'set', 'every monday'], env);
    expect(badCron.code).toBe(2);
    expect(badCron.err).toMatch(/^digest: "every monday" is not a 5-field cron/);
    const daily = await run(['schedule', 'set', '0 7 * * *'], env);
    expect(daily.code).toBe(2);
    expect(daily.err).toMatch(/^digest: "0 7 \* \* \*" does not run once a week \(runs 7 times a week\)/);
    const abbreviation = await run(['schedule', 'set', '0 7 * * 1', '--timezone', 'EST'], env);
    expect(abbreviation.code).toBe(2);
    expect(abbreviation.err.trim().split('\n')).toHaveLength(1);
    expect(abbreviation.err).toMatch(/^digest: --timezone: "EST" is an abbreviation.*America\/New_York/);

    const bad = await run(['send', '--edition', 'last-week'], env);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/^digest: "last-week" is not an edition id/);
  }, 180_000);
});
