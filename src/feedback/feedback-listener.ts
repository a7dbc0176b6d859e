/** Wires the inbound SMTP listener to a container: its config, its keys, its stores. */
import { readFileSync } from 'node:fs';
import type { Container } from '../app/container.ts';
import { ConfigError } from '../errors/config-error.ts';
import { feedbackLoopAddress } from './feedback-address.ts';
import { type InboundServer, startInboundSmtp } from './inbound-smtp-server.ts';
import { createFeedbackMailReceiver } from './receive-feedback-mail.ts';

export async function startFeedbackListener(container: Container): Promise<InboundServer> {
  const { config, logger } = container;
  if (config.inbound.port === undefined)
    throw new ConfigError('INBOUND_SMTP_PORT=off turns the inbound listener off; give it a port to run it');
  const tls = config.inbound.tls
    ? { cert: readFileSync(config.inbound.tls.certFile), key: readFileSync(config.inbound.tls.keyFile) }
    : undefined;
  const server = await startInboundSmtp({
    host: config.host,
    port: config.inbound.port,
    name: container.bounceDomain,
    maxBytes: config.inbound.maxBytes,
    ratePerMinute: config.inbound.ratePerMinute,
    tls,
    verify: container.verifyFeedbackAddress,
    handle: createFeedbackMailReceiver({
      feedback: container.feedback,
      verify: container.verifyFeedbackAddress,
      logger,
      now: () => new Date(),
    }),
    logger,
  });
  logger.info(
    {
      event: 'feedback.listening',
      port: server.port,
      domain: container.bounceDomain,
      tls: Boolean(tls),
      // The one address to register with mailbox providers' feedback loops.
      loopAddress: feedbackLoopAddress(container.linkKeys[0]!, container.bounceDomain),
    },
    'inbound SMTP listener started',
  );
  return server;
}
