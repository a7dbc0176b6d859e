/**
 * Relay webhooks: `POST /webhooks/ses` (SNS), `/webhooks/mailgun`, `/webhooks/postmark`,
 * `/webhooks/sendgrid`. Each is verified before it is believed (401 otherwise, nothing changes), and
 * answers 404 unless its secret is configured. Events are applied once per provider event id
 * (apply-feedback.ts); an event about nobody we know is acknowledged and logged, so the relay stops
 * retrying it; a storage failure is a 500, so it retries.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../app/container.ts';
import { applyFeedback } from '../../feedback/apply-feedback.ts';
import { mailgunEvents, mailgunToken, verifyMailgun } from '../../feedback/webhooks/mailgun-webhook.ts';
import { postmarkEvents, verifyBasicAuth } from '../../feedback/webhooks/postmark-webhook.ts';
import { resolveWebhookEvent } from '../../feedback/webhooks/resolve-webhook-event.ts';
import {
  sendgridEvents,
  sendgridPublicKey,
  verifySendgrid,
} from '../../feedback/webhooks/sendgrid-webhook.ts';
import { asSnsMessage, isSnsUrl, sesEvents, verifySns } from '../../feedback/webhooks/ses-sns-webhook.ts';
import type { Verdict, WebhookEvent } from '../../feedback/webhooks/webhook-event.ts';
import { maskAddresses } from '../../logging/logger.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export function webhookRoutes(container: Container) {
  const { config, logger } = container;
  const hooks = config.webhooks;
  const sendgridKey = hooks.sendgridPublicKey ? sendgridPublicKey(hooks.sendgridPublicKey) : undefined;
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  const unauthorized = (
    reply: FastifyReply,
    provider: string,
    verdict: Verdict & { ok: false },
    ip: string,
  ) => {
    logger.warn(
      { event: 'webhook.refused', provider, reason: verdict.reason, client: ip },
      'webhook refused',
    );
    return reply.code(401).send({ error: 'not verified' });
  };

  const apply = async (provider: string, events: WebhookEvent[]) => {
    let applied = 0;
    for (const e of events) {
      const event = await resolveWebhookEvent(e, {
        subscribers: container.subscribers,
        verify: container.verifyFeedbackAddress,
      });
      if (!event) {
        logger.info(
          { event: 'feedback.ignored', provider, reason: 'names no subscriber of ours', eventId: e.eventId },
          'webhook event ignored',
        );
        continue;
      }
      const result = await applyFeedback(container.feedback, event, new Date());
      if (result.outcome !== 'duplicate') applied++;
      logger.info(
        {
          event: 'feedback.applied',
          provider,
          kind: event.kind,
          severity: event.severity,
          outcome: result.outcome,
          subscriberId: event.subscriberId,
          editionId: event.editionId,
          detail: maskAddresses(event.detail),
        },
        `feedback: ${event.kind} → ${result.outcome}`,
      );
      if (result.paused)
        logger.warn(
          { event: 'edition.paused', editionId: event.editionId, reason: result.paused },
          result.paused,
        );
    }
    return { received: events.length, applied };
  };

  const json = (req: FastifyRequest): unknown => {
    try {
      return JSON.parse(req.rawBody ?? '');
    } catch {
      return undefined;
    }
  };

  return async (app: FastifyInstance) => {
    // The signatures cover the bytes as sent, so the body is kept as text and parsed here. SNS posts
    // JSON as text/plain.
    app.addContentTypeParser(
      ['application/json', 'text/plain'],
      { parseAs: 'string', bodyLimit: 1024 * 1024 },
      (req, body, done) => {
        req.rawBody = body as string;
        done(null, body);
      },
    );

    app.post('/webhooks/ses', async (req, reply) => {
      if (hooks.sesTopicArns.length === 0) return reply.callNotFound();
      const message = asSnsMessage(json(req));
      if (!message) return unauthorized(reply, 'ses', { ok: false, reason: 'not an SNS message' }, req.ip);
      const verdict = await verifySns(message, {
        topicArns: hooks.sesTopicArns,
        fetchCertificate: container.snsFetch,
        nowSeconds: nowSeconds(),
      });
      if (!verdict.ok) return unauthorized(reply, 'ses', verdict, req.ip);
      if (message.Type === 'SubscriptionConfirmation') {
        if (!isSnsUrl(message.SubscribeURL)) return reply.code(400).send({ error: 'bad SubscribeURL' });
        await container.snsFetch(message.SubscribeURL);
        logger.info(
          { event: 'webhook.subscribed', provider: 'ses', topic: message.TopicArn },
          'SNS subscription confirmed',
        );
        return { confirmed: true };
      }
      if (message.Type !== 'Notification') return { received: 0, applied: 0 };
      return apply('ses', sesEvents(message.MessageId, message.Message));
    });

    app.post('/webhooks/mailgun', async (req, reply) => {
      const key = hooks.mailgunSigningKey;
      if (!key) return reply.callNotFound();
      const body = json(req);
      const verdict = verifyMailgun(body, key, nowSeconds());
      if (!verdict.ok) return unauthorized(reply, 'mailgun', verdict, req.ip);
      // A signed request seen before is a replay: Mailgun signs every delivery attempt afresh.
      if (!(await container.feedback.dedupe.first(`mailgun-token:${mailgunToken(body)}`)))
        return unauthorized(reply, 'mailgun', { ok: false, reason: 'token seen before (replay)' }, req.ip);
      return apply('mailgun', mailgunEvents(body));
    });

    app.post('/webhooks/postmark', async (req, reply) => {
      const creds = hooks.postmark;
      if (!creds) return reply.callNotFound();
      const verdict = verifyBasicAuth(req.headers.authorization, creds.user, creds.password);
      if (!verdict.ok) return unauthorized(reply, 'postmark', verdict, req.ip);
      return apply('postmark', postmarkEvents(json(req)));
    });

    app.post('/webhooks/sendgrid', async (req, reply) => {
      if (!sendgridKey) return reply.callNotFound();
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      const verdict = verifySendgrid(
        req.rawBody ?? '',
        header('x-twilio-email-event-webhook-signature'),
        header('x-twilio-email-event-webhook-timestamp'),
        sendgridKey,
        nowSeconds(),
      );
      if (!verdict.ok) return unauthorized(reply, 'sendgrid', verdict, req.ip);
      return apply('sendgrid', sendgridEvents(json(req)));
    });
  };
}
