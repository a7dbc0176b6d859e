/** `digest start`, `digest worker`, `digest serve`: the long-running processes. */
import type { Command } from 'commander';
import type { RuntimeParts } from '../../app/runtime.ts';
import { getConfig, getLogger } from '../context.ts';

export function registerRunCommands(program: Command): void {
  program
    .command('start')
    .description(
      'Run everything in one process: HTTP (links, archive, dashboard), workers and the weekly scheduler.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  digest start                 embedded Redis and outbox under ./var\n  REDIS_URL=redis://10.0.0.5:6379 SMTP_URL=smtp://relay:587 digest start',
    )
    .action(() => runProcess({ http: true, workers: true, scheduler: true, inbound: true }));
  program
    .command('worker')
    .description('Run queue workers only (collect, build, dispatch, send). Start many against one Redis.')
    .addHelpText(
      'after',
      '\nExample:\n  REDIS_URL=redis://10.0.0.5:6379 SMTP_URL=smtp://relay:587 digest worker',
    )
    .action(() => runProcess({ http: false, workers: true, scheduler: false }));
  program
    .command('inbound')
    .description(
      'Run the inbound SMTP listener only: bounces (DSNs), complaints (ARF) and mailto unsubscribes sent to the bounce domain.',
    )
    .addHelpText(
      'after',
      '\nExample:\n  BOUNCE_DOMAIN=bounces.example.com INBOUND_SMTP_PORT=25 HOST=0.0.0.0 digest inbound',
    )
    .action(() => runProcess({ http: false, workers: false, scheduler: false, inbound: true }));
  program
    .command('serve')
    .description('Run the HTTP server only (subscriber links, web archive, admin dashboard and API).')
    .addHelpText('after', '\nExample:\n  PORT=8080 PUBLIC_URL=https://digest.example.com digest serve')
    .action(() => runProcess({ http: true, workers: false, scheduler: false }));
}

async function runProcess(parts: RuntimeParts): Promise<void> {
  const config = getConfig();
  const logger = await getLogger(config);
  // Imported here, not at the top: `digest --help` never loads the runtime (BENCHMARKS.md).
  const { createContainer } = await import('../../app/container.ts');
  const { runUntilSignal, startRuntime } = await import('../../app/runtime.ts');
  const { seedSampleIfEmpty } = await import('../../app/seed-sample.ts');
  const container = await createContainer(config, logger, { publishEmbedded: true });
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime(container, parts);
  } catch (err) {
    await container.close();
    throw err;
  }
  const lines = [`${container.publication.name} is running (${describe(parts)}).`];
  // First start on an empty data dir (the embedded default): the bundled sample, sent to the outbox.
  const seeded = parts.scheduler ? await seedSampleIfEmpty(container, new Date()) : undefined;
  if (seeded) {
    lines.push(
      `  Sample:   ${seeded.articles} articles collected, ${seeded.subscribers} demo subscribers` +
        (seeded.edition ? `, edition ${seeded.edition} sending to ${seeded.queued} of them now` : ''),
    );
    if (seeded.edition) lines.push(`  Preview:  ${container.publicUrl}/editions/${seeded.edition}`);
  }
  if (runtime.url) {
    lines.push(`  Web:      ${container.publicUrl}/editions`);
    lines.push(
      `  Admin:    ${container.publicUrl}/admin  (token: ${container.config.adminToken ? 'ADMIN_TOKEN' : container.adminToken})`,
    );
  }
  lines.push(
    `  Redis:    ${container.config.redisCluster ? `Redis Cluster (REDIS_CLUSTER_NODES, ${container.config.redisCluster.nodes.length} seed nodes)` : container.config.redisUrl ? 'REDIS_URL' : `embedded ${container.redisUrl} (data in ${config.dataDir}/redis)`}`,
  );
  lines.push(
    `  Mail:     ${container.outboxDir ? `outbox ${container.outboxDir} (${container.smtpUrl})` : 'SMTP_URL'}`,
  );
  if (runtime.inboundPort !== undefined) {
    lines.push(
      `  Feedback: SMTP ${container.config.host}:${runtime.inboundPort} for bounces and unsubscribes @${container.bounceDomain}`,
    );
  } else if (parts.inbound) lines.push('  Feedback: no inbound SMTP listener (INBOUND_SMTP_PORT=off)');
  const { publicationWarnings } = await import('../../publication/publication-report.ts');
  for (const warning of await publicationWarnings(container)) lines.push(`  Warning:  ${warning}`);
  lines.push('  Stop with Ctrl-C.');
  process.stdout.write(`${lines.join('\n')}\n`);
  logger.info({ event: 'process.started', parts }, 'started');

  await runUntilSignal(
    () => runtime.stop().then(() => container.close()),
    (line) => process.stdout.write(`${line}\n`),
  );
}

function describe(parts: RuntimeParts): string {
  return (Object.keys(parts) as Array<keyof RuntimeParts>).filter((k) => parts[k]).join(' + ');
}
