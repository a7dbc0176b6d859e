/** Operator commands of the delivery engine: send, status, pause, resume, cancel, retry, resend-uncertain, test-send, schedule. */
import type { Command } from 'commander';
import type { Container } from '../../app/container.ts';
import { canonicalTimeZone } from '../../core/time-zone-name.ts';
import { splitTopicList } from '../../core/topic-list.ts';
import { checkWeeklyCron } from '../../core/weekly-cron.ts';
import type { EditionStatusReport } from '../../delivery/edition-control.ts';
import { UserError } from '../../errors/user-error.ts';
import { describeFeedback } from '../../feedback/feedback-summary.ts';
import { checkLocale } from '../../i18n/locale-tag.ts';
import { describeOutage } from '../../mail/relay-outage.ts';
import type { SendProgress } from '../../observability/send-progress.ts';
import { withContainer } from '../context.ts';

/** What the actions use, imported when one runs: `digest --help` loads none of it (BENCHMARKS.md). */
const heavy = async () => ({
  ...(await import('../../app/start-workers.ts')),
  ...(await import('../../app/step-deps.ts')),
  ...(await import('../../delivery/edition-control.ts')),
  ...(await import('../../delivery/test-send.ts')),
  ...(await import('../../editions/default-edition.ts')),
  ...(await import('../../queues/queues.ts')),
  ...(await import('../../queues/schedules.ts')),
  ...(await import('../../publication/publication-report.ts')),
  ...(await import('../../publication/stored-schedule.ts')),
  ...(await import('../progress.ts')),
  ...(await import('../../observability/edition-progress.ts')),
  ...(await import('../../observability/send-progress.ts')),
});

const print = (json: boolean, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);

const editionArg = async (c: Container, id: string | undefined) => {
  const { checkEditionId, defaultEdition } = await heavy();
  return id ? checkEditionId(c.publication, id) : defaultEdition(c.editions, c.publication, new Date());
};

export function registerSendCommands(program: Command): void {
  program
    .command('send')
    .description('Build the edition if needed and send it: each subscriber at their hour (or --now).')
    .option('--edition <id>', 'edition id such as 2026-W47 (default: the newest edition, else last week)')
    .option('--now', 'ignore delivery hours and send everything now')
    .option('--wait', 'stay until every delivery is done, with a progress bar')
    .option('--json', 'print one JSON summary object')
    .option(
      '--force',
      'send an edition of the current week, one scheduled longer ago than MAX_EDITION_AGE_DAYS, or one with lint errors',
    )
    .addHelpText('after', '\nExamples:\n  digest send --now --wait\n  digest send --edition 2026-W47 --json')
    .action((o: { edition?: string; now?: boolean; wait?: boolean; json?: boolean; force?: boolean }) =>
      withContainer(async (c) => {
        const {
          startSend,
          controlDeps,
          defaultEditionId,
          hasWorkers,
          startWorkers,
          editionStatus,
          editionProgress,
        } = await heavy();
        const id = await editionArg(c, o.edition);
        const r = await startSend(controlDeps(c), id, {
          immediate: !!o.now,
          force: !!o.force,
          now: new Date(),
        });
        // Without a running worker the jobs would wait: this process sends them itself.
        const local = (await hasWorkers(c.queues.send))
          ? undefined
          : await startWorkers(c, { workers: true, scheduler: false });
        if (!o.json && !r.alreadyStarted) {
          process.stderr.write(
            `edition ${id}: ${r.edition.recipientCount} eligible, ${r.dispatched} queued${o.now ? ' now' : ' at their hours'}\n`,
          );
        }
        if (r.alreadyStarted && !o.json) {
          const lastWeek = defaultEditionId(c.publication, new Date());
          // The default is the newest edition; a later week nobody has built yet is named here.
          const hint =
            !o.edition && lastWeek > id ? `; to send last week's: digest send --edition ${lastWeek}` : '';
          process.stderr.write(`edition ${id} was already ${r.edition.status}${hint}\n`);
        }
        try {
          if (o.wait || local) await waitForEdition(c, id, !!o.json);
        } finally {
          await local?.stop();
        }
        const report = await editionStatus(controlDeps(c), id, new Date());
        const progress = await editionProgress(c, report, new Date());
        print(!!o.json, summary(report, progress), describeStatus(report, progress));
        if (report.failed > 0) process.exitCode = 1;
      }),
    );

  program
    .command('status [edition]')
    .description(
      "Show an edition's status and delivery counts (default: the newest edition, else last week).",
    )
    .option('--json', 'print JSON (with the uncertain and failed subscriber ids)')
    .option('--watch', 'refresh until the edition is done')
    .addHelpText('after', '\nExamples:\n  digest status\n  digest status 2026-W47 --json')
    .action((edition: string | undefined, o: { json?: boolean; watch?: boolean }) =>
      withContainer(async (c) => {
        const { controlDeps, editionProgress, editionStatus } = await heavy();
        const id = await editionArg(c, edition);
        if (o.watch) await waitForEdition(c, id, !!o.json);
        const report = await editionStatus(controlDeps(c), id, new Date());
        const progress = await editionProgress(c, report, new Date());
        const uncertainIds = await c.ledger.listInState(id, 'uncertain', 10_000);
        const failedIds = await c.ledger.listInState(id, 'failed', 10_000);
        const relay = await relayLine(c, report);
        const { publicationWarnings } = await heavy();
        const warnings = await publicationWarnings(c);
        print(
          !!o.json,
          { ...summary(report, progress), relay: relay ?? null, uncertainIds, failedIds, warnings },
          [
            describeStatus(report, progress),
            `  ${describeFeedback(report.feedback, c.config.complaintGuard)}`,
            relay && `  ${relay}`,
            ...warnings.map((w) => `warning: ${w}`),
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );

  const simple = (name: string, description: string, run: (c: Container, id: string) => Promise<string>) =>
    program
      .command(`${name} <edition>`)
      .description(description)
      .option('--json', 'print JSON')
      .addHelpText('after', `\nExamples:\n  digest ${name} 2026-W47\n  digest ${name} 2026-W47 --json`)
      .action((edition: string, o: { json?: boolean }) =>
        withContainer(async (c) => {
          const { checkEditionId, controlDeps, editionProgress, editionStatus } = await heavy();
          const id = checkEditionId(c.publication, edition);
          const text = await run(c, id);
          const report = await editionStatus(controlDeps(c), id, new Date());
          print(!!o.json, summary(report, await editionProgress(c, report, new Date())), text);
        }),
      );
  simple('pause', 'Pause an edition that is sending (claims stop; nothing is lost).', async (c, id) => {
    const { pauseEdition, controlDeps } = await heavy();
    await pauseEdition(controlDeps(c), id);
    return `edition ${id} paused`;
  });
  simple(
    'resume',
    'Resume a paused edition: pending deliveries are queued again at their hours.',
    async (c, id) => {
      const { resumeEdition, controlDeps } = await heavy();
      const n = await resumeEdition(controlDeps(c), id, new Date());
      return `edition ${id} resumed: ${n} deliveries queued`;
    },
  );
  simple('cancel', 'Cancel an edition: every delivery not yet sent becomes cancelled.', async (c, id) => {
    const { cancelEdition, controlDeps } = await heavy();
    const n = await cancelEdition(controlDeps(c), id, new Date());
    return `edition ${id} cancelled: ${n} deliveries cancelled`;
  });
  simple('retry', 'Send the failed deliveries of an edition again.', async (c, id) => {
    const { requeue, controlDeps } = await heavy();
    const n = await requeue(controlDeps(c), id, 'failed', new Date());
    return `edition ${id}: ${n} failed deliveries queued again`;
  });
  simple(
    'resend-uncertain',
    'Deliberately resend deliveries whose outcome is unknown (same Message-ID).',
    async (c, id) => {
      const { requeue, controlDeps } = await heavy();
      const n = await requeue(controlDeps(c), id, 'uncertain', new Date());
      return `edition ${id}: ${n} uncertain deliveries queued again`;
    },
  );

  program
    .command('test-send <edition>')
    .description('Send one copy of an edition to any address; never touches the delivery ledger.')
    .requiredOption('--to <address>', 'where to send it')
    .option('--topics <list>', 'topic ids separated by , or ; for the variant (default: all)')
    .option('--locale <tag>', "the copy's language, e.g. de or pt-BR (default: the publication's)")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExample:\n  digest test-send 2026-W47 --to me@example.com --topics lunar,launch --locale de',
    )
    .action((edition: string, o: { to: string; topics?: string; locale?: string; json?: boolean }) =>
      withContainer(async (c) => {
        const { checkEditionId, testSend, testSendDeps } = await heavy();
        const id = checkEditionId(c.publication, edition);
        const topics = o.topics ? splitTopicList(o.topics) : [];
        const locale = checkLocale(o.locale);
        if (!locale.ok) throw new UserError(`--locale: ${locale.reason}`);
        const r = await testSend(testSendDeps(c), id, {
          to: o.to,
          topics,
          now: new Date(),
          locale: locale.value,
        });
        print(!!o.json, r, `test copy of ${id} (variant ${r.variant}) sent to ${o.to}: ${r.messageId}`);
      }),
    );

  const schedule = program
    .command('schedule')
    .description(
      "Show or change the weekly schedule (the publication file's scheduleCron, or one stored beside it).",
    );
  schedule
    .command('show')
    .description('Show the weekly cron, its timezone, where it comes from, the next run and any conflict.')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withContainer(async (c) => {
        const { readWeeklySchedule, scheduleOf } = await heavy();
        const effective = await scheduleOf(c);
        const s = await readWeeklySchedule(c.queues);
        print(
          !!o.json,
          { ...effective, next: s?.next ?? null, running: s ?? null },
          [
            `weekly: "${effective.cron}" in ${effective.timezone} (${SCHEDULE_ORIGIN[effective.origin]}); ` +
              (s ? `next run ${s.next ?? 'unknown'}` : 'not running yet (digest start creates it)'),
            s && (s.cron !== effective.cron || s.timezone !== effective.timezone)
              ? `  running now: "${s.cron}" in ${s.timezone} until the next digest start`
              : '',
            effective.conflict ? `warning: ${effective.conflict}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );
  schedule
    .command('set <cron>')
    .description(
      "Store a weekly cron (5 fields) beside the publication file's, in the publication's timezone or --timezone. It holds until the file's scheduleCron changes or digest schedule reset; publication show reports the difference.",
    )
    .option('--timezone <tz>', 'IANA timezone of the cron')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  digest schedule set "0 7 * * 1" --timezone Europe/Berlin')
    .action((cron: string, o: { timezone?: string; json?: boolean }) => {
      // Checked before Redis is reached: a typo needs no running system to be told.
      const given = o.timezone === undefined ? undefined : canonicalTimeZone(o.timezone);
      if (given && !given.ok) throw new UserError(`--timezone: ${given.reason}`);
      return withContainer(async (c) => {
        const { readWeeklySchedule, scheduleOf, storeSchedule, upsertWeeklySchedule } = await heavy();
        if (c.config.scheduleCron)
          throw new UserError(
            `SCHEDULE_CRON="${c.config.scheduleCron}" is set and wins over a stored schedule; change or unset it instead`,
          );
        const tz = given?.ok ? given.value : c.publication.timezone;
        const weekly = checkWeeklyCron(cron, tz);
        if (!weekly.ok) throw new UserError(weekly.reason);
        try {
          await upsertWeeklySchedule(c.queues, weekly.value, tz);
        } catch (err) {
          throw new UserError(`cron "${cron}" was refused: ${(err as Error).message}`);
        }
        await storeSchedule(c.redis, c.prefix, {
          cron: weekly.value,
          timezone: tz,
          fileCron: c.publication.scheduleCron,
          at: new Date().toISOString(),
        });
        const effective = await scheduleOf(c);
        const s = await readWeeklySchedule(c.queues);
        print(
          !!o.json,
          { ...effective, next: s?.next ?? null },
          [
            `weekly: "${s?.cron}" in ${s?.timezone}; next run ${s?.next}`,
            effective.conflict ? `warning: ${effective.conflict}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });
  schedule
    .command('reset')
    .description("Forget the schedule stored by digest schedule set: the publication file's holds again.")
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withContainer(async (c) => {
        const { forgetStoredSchedule, readWeeklySchedule, scheduleOf, upsertWeeklySchedule } = await heavy();
        const forgotten = await forgetStoredSchedule(c.redis, c.prefix);
        const effective = await scheduleOf(c);
        await upsertWeeklySchedule(c.queues, effective.cron, effective.timezone);
        const s = await readWeeklySchedule(c.queues);
        print(
          !!o.json,
          { forgotten, ...effective, next: s?.next ?? null },
          `${forgotten ? 'stored schedule forgotten; ' : 'no stored schedule; '}weekly: "${effective.cron}" in ${effective.timezone} (${SCHEDULE_ORIGIN[effective.origin]}); next run ${s?.next}`,
        );
      }),
    );
}

const SCHEDULE_ORIGIN = {
  file: 'publication file',
  default: 'default',
  env: 'SCHEDULE_CRON',
  stored: 'stored by digest schedule set',
} as const;

function summary(r: EditionStatusReport, progress: SendProgress) {
  return {
    edition: r.edition,
    status: r.status,
    pausedReason: r.pausedReason,
    generation: r.generation,
    awaitingApproval: r.awaitingApproval,
    eligible: r.eligible,
    sent: r.sent,
    skipped: r.skipped,
    bounced: r.bounced,
    uncertain: r.uncertain,
    failed: r.failed,
    cancelled: r.cancelled,
    pending: r.pending + r.retry + r.sending,
    durationMs: r.durationMs,
    feedback: r.feedback,
    progress,
  };
}

/** While an edition is sending: the relay outage holding it, if the workers see one. */
async function relayLine(c: Container, r: EditionStatusReport): Promise<string | undefined> {
  if (r.status !== 'sending') return undefined;
  const outage = await c.relayStatus.read();
  return outage ? describeOutage(outage, Date.now(), outage.givenUp) : undefined;
}

function describeStatus(r: EditionStatusReport, p: SendProgress): string {
  const open = r.pending + r.retry + r.sending;
  return [
    `edition ${r.edition}: ${r.status}${r.pausedReason ? ` (${r.pausedReason})` : ''}${r.generation > 1 ? `, generation ${r.generation}` : ''}`,
    r.awaitingApproval
      ? `  waiting for approval (reviewBeforeSend): nothing goes out until digest approve ${r.edition}`
      : r.status === 'draft'
        ? `  draft: visible to operators only; digest build ${r.edition} builds it again, digest send ${r.edition} sends it`
        : '',
    `  ${p.summary}`,
    `  eligible ${r.eligible} · sent ${r.sent} · skipped ${r.skipped} · bounced ${r.bounced} · uncertain ${r.uncertain} · failed ${r.failed} · cancelled ${r.cancelled} · pending ${open}`,
    r.durationMs !== undefined ? `  duration ${(r.durationMs / 1000).toFixed(1)} s` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Polls the ledger until nothing is pending, sending or waiting to retry (or the edition pauses). */
async function waitForEdition(c: Container, id: string, quiet: boolean): Promise<void> {
  const { controlDeps, createProgress, describeMoment, editionProgress, editionStatus, formatDuration } =
    await heavy();
  const progress = quiet ? undefined : createProgress(`sending ${id}`);
  try {
    for (;;) {
      const now = new Date();
      const r = await editionStatus(controlDeps(c), id, now);
      // Done is what reached the relay (or failed for good); skips are told apart, never counted as done.
      const p = await editionProgress(c, r, now);
      const detail = [`sent ${p.sent}`, p.skipped && `${p.skipped} skipped`, p.failed && `${p.failed} failed`]
        .filter(Boolean)
        .join(' · ');
      // What is due now gets the rate's ETA; what waits for its readers' hour gets its clock time.
      const when =
        p.dueLater > 0 && p.next
          ? p.dueNow > 0
            ? `ETA ${formatDuration(p.etaSeconds)} for ${p.dueNow} due now, then ${p.dueLater} from ${describeMoment(p.next)}`
            : `next ${describeMoment(p.next)}`
          : undefined;
      progress?.update(p.done, p.total, detail, when);
      if (r.status !== 'sending') return;
      // Delayed deliveries (due later) keep an edition open: --wait then waits for their hour.
      await new Promise((res) => setTimeout(res, 250));
    }
  } finally {
    progress?.stop();
  }
}
