/** `digest subscribers add|import|export|show|list|forget`: operators manage subscribers in bulk. */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus } from '../../domain/subscriber.ts';
import { UserError } from '../../errors/user-error.ts';
import type { ImportReport } from '../../subscribers/csv-import.ts';
import type { ExportFormat } from '../../subscribers/subscriber-export.ts';
import { withContainer } from '../context.ts';

/** What the actions use, imported when one runs: `digest --help` loads none of it (BENCHMARKS.md). */
const heavy = async () => ({
  ...(await import('../../subscribers/address-audit.ts')),
  ...(await import('../../subscribers/csv-import.ts')),
  ...(await import('../../subscribers/subscriber-admin.ts')),
  ...(await import('../../subscribers/subscriber-export.ts')),
  ...(await import('../../subscribers/confirm-resend.ts')),
  ...(await import('../../subscribers/opt-in-mail.ts')),
});

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const MAX_REJECTS_SHOWN = 50;

const oneLine = (s: Subscriber) =>
  `${s.id}  ${s.status.padEnd(12)} ${s.email}${s.name ? `  (${s.name})` : ''}  topics=${s.topics.join(';') || 'all'}  ${s.timezone} ${String(s.hour).padStart(2, '0')}:00`;

function positiveInt(name: string, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new UserError(`${name} must be a whole number from 1 to ${max} (got "${value}")`);
    return Number(value);
  };
}

export function registerSubscriberCommands(program: Command): void {
  const group = program
    .command('subscribers')
    .description('Add, import, export, show, list and forget subscribers.');

  group
    .command('add')
    .description('Add one subscriber (pending until they confirm, unless --confirmed).')
    .argument('<email>', 'the address')
    .option('--name <name>', 'display name')
    .option('--topics <ids>', 'topic ids separated by , or ; (default: everything)')
    .option('--timezone <zone>', "IANA timezone (default: the publication's)")
    .option('--hour <hour>', "delivery hour 0-23 (default: the publication's)")
    .option(
      '--locale <tag>',
      "language of their emails and pages, e.g. de or pt-BR (default: the publication's)",
    )
    .addOption(new Option('--status <status>', 'status to store').choices([...SUBSCRIBER_STATUSES]))
    .option('--confirmed', 'the person gave you their consent: store as active')
    .option('--json', 'print the subscriber as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest subscribers add ann@example.com --name "Ann" --topics "lunar;launch" --confirmed',
    )
    .action(
      (
        email: string,
        o: {
          name?: string;
          topics?: string;
          timezone?: string;
          hour?: string;
          locale?: string;
          status?: string;
          confirmed?: boolean;
          json?: boolean;
        },
      ) =>
        withContainer(async (c) => {
          const { addSubscriber } = await heavy();
          const { subscriber, created } = await addSubscriber(
            c.subscribers,
            c.publication,
            {
              email,
              name: o.name,
              topics: o.topics,
              timezone: o.timezone,
              hour: o.hour,
              locale: o.locale,
              status: o.status,
            },
            { confirmed: !!o.confirmed, now: new Date() },
          );
          // Double opt-in: a new pending subscriber gets the confirmation email now (throttled as the
          // form's); a relay that refuses it leaves them added, with the command to send it again.
          let confirmation: 'sent' | 'sent-recently' | 'not-sent' | undefined;
          // Why the relay did not take it, in our words (the operator fixes SMTP_URL or waits for the relay).
          let confirmationError: string | undefined;
          if (created && subscriber.status === 'pending') {
            const { confirmationDeps, resendConfirmations } = await heavy();
            try {
              const r = await resendConfirmations(confirmationDeps(c), [subscriber], new Date());
              confirmation = r.mailed ? 'sent' : 'sent-recently';
            } catch (err) {
              confirmation = 'not-sent';
              const { describeRelayFailure } = await import('../../mail/relay-outage.ts');
              confirmationError = describeRelayFailure(err as Parameters<typeof describeRelayFailure>[0]);
              process.exitCode = 1;
            }
          }
          if (o.json) return out(JSON.stringify({ created, subscriber, confirmation, confirmationError }));
          out(`${created ? 'added' : 'already there, unchanged'}: ${oneLine(subscriber)}`);
          if (confirmation === 'sent') out(`confirmation email sent to ${subscriber.email}`);
          if (confirmation === 'sent-recently')
            out(`a confirmation email went to ${subscriber.email} in the last 24 hours; not sent again`);
          if (confirmation === 'not-sent')
            out(
              `the confirmation email was not sent: ${confirmationError}; once the relay takes it: digest subscribers confirm-resend --email ${subscriber.email}`,
            );
        }),
    );

  group
    .command('import')
    .description(
      'Import a CSV file with a header row: email, name, topics (";"-separated), timezone, hour, status, locale. Bad rows are listed with their line number; the rest are imported.',
    )
    .argument('<file>', 'CSV file, or - for standard input')
    .option('--confirmed', 'the people gave you their consent: rows without a status become active')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest subscribers import readers.csv --confirmed\n  cat readers.csv | digest subscribers import - --json\n\nWithout --confirmed, each new pending subscriber gets the confirmation email (at most one per address per 24 hours).\nExit code 1 when some rows were rejected or some confirmation emails could not be sent.',
    )
    .action((file: string, o: { confirmed?: boolean; json?: boolean }) => {
      if (file !== '-' && !existsSync(file)) throw new UserError(`no such file: ${file}`);
      return withContainer(async (c) => {
        const { CsvHeaderError, importSubscribersCsv, createOptInMailer, confirmationDeps, optInSummary } =
          await heavy();
        const input = file === '-' ? process.stdin : createReadStream(file);
        // Double opt-in: every row stored `pending` gets the confirmation email (the form's throttle).
        const optIn = createOptInMailer(confirmationDeps(c), new Date());
        let report: ImportReport;
        try {
          report = await importSubscribersCsv(
            input,
            { store: c.subscribers, publication: c.publication },
            {
              confirmed: !!o.confirmed,
              now: new Date(),
              onPending: optIn.mail,
              onProgress: (r) => {
                if (!o.json && process.stderr.isTTY)
                  process.stderr.write(`\r${r.rows} rows read, ${r.imported} imported`);
              },
            },
          );
        } catch (err) {
          if (err instanceof CsvHeaderError) throw new UserError(`${file}: ${err.message}`);
          throw err;
        }
        if (!o.json && process.stderr.isTTY) process.stderr.write('\n');
        if (report.rejected.length || optIn.report.notSent) process.exitCode = 1;
        if (o.json) return out(JSON.stringify({ ...report, confirmation: optIn.report }));
        out(`imported ${report.imported} of ${report.rows} rows; ${report.rejected.length} rejected`);
        const { sent, throttled, notSent } = optIn.report;
        if (sent + throttled + notSent > 0) out(optInSummary(optIn.report));
        for (const r of report.rejected.slice(0, MAX_REJECTS_SHOWN)) out(`  line ${r.line}: ${r.reason}`);
        if (report.rejected.length > MAX_REJECTS_SHOWN)
          out(`  ... and ${report.rejected.length - MAX_REJECTS_SHOWN} more (--json lists them all)`);
      });
    });

  group
    .command('export')
    .description('Export every subscriber as CSV (imports again) or JSON.')
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write to a file instead of standard output')
    .addHelpText(
      'after',
      '\nExamples:\n  digest subscribers export > subscribers.csv\n  digest subscribers export --format json --output subscribers.json',
    )
    .action((o: { format: ExportFormat; output?: string }) =>
      withContainer(async (c) => {
        const { exportSubscribers } = await heavy();
        await pipeline(
          exportSubscribers(c.subscribers, o.format),
          o.output ? createWriteStream(o.output) : process.stdout,
        );
      }),
    );

  group
    .command('confirm-resend')
    .description(
      'Send the confirmation email again to pending subscribers: one (--email) or all (--all-pending). At most one email per address per 24 hours, as for the sign-up form.',
    )
    .option('--email <address>', 'one pending subscriber')
    .option('--all-pending', 'every pending subscriber')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  digest subscribers confirm-resend --email ada@example.com\n  digest subscribers confirm-resend --all-pending --json',
    )
    .action((o: { email?: string; allPending?: boolean; json?: boolean }) => {
      if (!o.email === !o.allPending)
        throw new UserError('give --email ADDRESS or --all-pending (one of the two)');
      return withContainer(async (c) => {
        const { findSubscriber, resendConfirmations, pendingSubscribers, confirmationDeps } = await heavy();
        let who: AsyncIterable<Subscriber> | Subscriber[];
        if (o.email) {
          const one = await findSubscriber(c.subscribers, o.email);
          if (!one) throw new UserError(`no subscriber ${o.email}`, 1);
          if (one.status !== 'pending')
            throw new UserError(`${one.email} is ${one.status}, not pending: there is nothing to confirm`, 1);
          who = [one];
        } else who = pendingSubscribers(c.subscribers);
        const report = await resendConfirmations(confirmationDeps(c), who, new Date());
        out(
          o.json
            ? JSON.stringify(report)
            : `confirmation emails sent: ${report.mailed}; already sent in the last 24 hours: ${report.throttled}`,
        );
      });
    });

  group
    .command('show')
    .description('Show one subscriber (by address or id) and the history of every change.')
    .argument('<email-or-id>')
    .option('--json', 'print subscriber and history as JSON')
    .action((key: string, o: { json?: boolean }) =>
      withContainer(async (c) => {
        const { findSubscriber } = await heavy();
        const subscriber = await findSubscriber(c.subscribers, key);
        if (!subscriber) throw new UserError(`no subscriber ${key}`, 1);
        const history = await c.subscribers.history(subscriber.id);
        if (o.json) return out(JSON.stringify({ subscriber, history }));
        out(oneLine(subscriber));
        out(
          `  format=${subscriber.format} locale=${subscriber.locale} paused until ${subscriber.pausedUntil ?? '-'}`,
        );
        out(
          `  consent: ${subscriber.consent ? `${subscriber.consent.at} ${subscriber.consent.method}${subscriber.consent.ip ? ` from ${subscriber.consent.ip}` : ''}` : 'none'}`,
        );
        out('history:');
        for (const h of history) {
          const changes = Object.entries(h.changes ?? {})
            .map(
              ([field, [before, after]]) => `${field}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`,
            )
            .join(', ');
          out(
            `  ${h.at}  ${h.origin.padEnd(9)} ${h.event}${changes ? `  ${changes}` : ''}${h.detail ? `  (${h.detail})` : ''}`,
          );
        }
      }),
    );

  group
    .command('list')
    .description(
      'List subscribers of one status, or those whose address contains --search; counts per status first.',
    )
    .addOption(
      new Option('--status <status>', 'which status').choices([...SUBSCRIBER_STATUSES]).default('active'),
    )
    .option('--search <text>', 'part of an address, or an id')
    .option(
      '--no-known-topic',
      'active or pending subscribers whose chosen topics are all gone from the publication (they are skipped, never sent every topic); fix with topicAliases or their preferences',
    )
    .option('--limit <n>', 'at most this many', positiveInt('--limit', 100_000), 100)
    .option('--json', 'one JSON object per line')
    .action(
      (o: {
        status: SubscriberStatus;
        search?: string;
        knownTopic?: boolean;
        limit: number;
        json?: boolean;
      }) =>
        withContainer(async (c) => {
          if (o.knownTopic === false) {
            const { findNoKnownTopic } = await import('../../subscribers/no-known-topic.ts');
            const { count, subscribers } = await findNoKnownTopic(c.subscribers, c.publication, o.limit);
            if (!o.json)
              out(
                `${count} subscriber(s) with no known topic (skipped by every edition until their topics are fixed)`,
              );
            for (const s of subscribers)
              out(
                o.json ? JSON.stringify(s) : `${s.id}  ${s.email}  ${s.status}  topics=${s.topics.join(';')}`,
              );
            return;
          }
          const counts = await c.subscribers.counts();
          if (!o.json) out(SUBSCRIBER_STATUSES.map((s) => `${s}: ${counts[s]}`).join('  '));
          let shown = 0;
          const show = (s: Subscriber) => {
            shown++;
            out(o.json ? JSON.stringify(s) : oneLine(s));
          };
          if (o.search) {
            for (const s of await c.subscribers.search(o.search, o.limit)) show(s);
            return;
          }
          let cursor = '0';
          do {
            const page = await c.subscribers.listByStatus(o.status, cursor, 500);
            cursor = page.cursor;
            for (const s of await c.subscribers.getMany(page.ids.slice(0, o.limit - shown))) if (s) show(s);
          } while (cursor !== '0' && shown < o.limit);
        }),
    );

  group
    .command('forget')
    .description(
      'Erase a person (GDPR): every field and the history. A hashed entry stays so they are never mailed again, unless they sign up again themselves and confirm.',
    )
    .argument('<email-or-id>')
    .option('--yes', 'really erase (required)')
    .option('--json', 'print the result as JSON')
    .action((key: string, o: { yes?: boolean; json?: boolean }) =>
      withContainer(async (c) => {
        const { findSubscriber } = await heavy();
        const subscriber = await findSubscriber(c.subscribers, key);
        if (!subscriber) throw new UserError(`no subscriber ${key}`, 1);
        if (!o.yes) throw new UserError(`this erases ${subscriber.email} for good: run again with --yes`);
        await c.subscribers.forget(subscriber.id);
        out(
          o.json
            ? JSON.stringify({ forgotten: subscriber.id, suppressed: true })
            : `forgotten: ${subscriber.id} (the address is kept as a hash and never mailed again, unless the person signs up again and confirms)`,
        );
      }),
    );

  group
    .command('check-addresses')
    .description(
      'Report stored addresses that the address rules refuse today (quoted, spaces, several addresses...) or that are not stored in their canonical form.',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExit code 1 when some addresses do not conform. Nothing is changed: decide per row, e.g.\n  digest subscribers forget <id> --yes',
    )
    .action((o: { json?: boolean }) =>
      withContainer(async (c) => {
        const { auditAddresses } = await heavy();
        const report = await auditAddresses(c.subscribers);
        if (report.nonconforming.length) process.exitCode = 1;
        if (o.json) return out(JSON.stringify(report));
        out(
          `checked ${report.checked} addresses; ${report.nonconforming.length} do not follow the address rules`,
        );
        for (const a of report.nonconforming)
          out(`  ${a.id}  ${a.status.padEnd(12)} ${JSON.stringify(a.email)}: ${a.reason}`);
      }),
    );
}
