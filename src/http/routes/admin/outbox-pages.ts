/**
 * Dashboard pages of the embedded outbox (only when no SMTP_URL is set): the newest messages, and one
 * message's text and HTML (shown in a sandboxed frame). File names are checked against the outbox's
 * own pattern, so no path can leave the folder.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import type { AdminContext } from './admin-context.ts';

const NAME = /^[A-Za-z0-9-]{1,80}\.eml$/;
const LIST_LIMIT = 50;
const BODY_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; frame-ancestors 'self'; sandbox";

export function outboxPages(app: FastifyInstance, ctx: AdminContext): void {
  const dir = ctx.container.outboxDir;

  app.get('/admin/outbox', async (req, reply) => {
    if (!dir) return ctx.page(req, reply, 'outbox', { section: 'outbox', external: true });
    const names = (await readdir(dir))
      .filter((n) => NAME.test(n))
      .sort()
      .reverse();
    const messages = await Promise.all(
      names.slice(0, LIST_LIMIT).map(async (name) => {
        const mail = await simpleParser(await readFile(join(dir, name)), { skipHtmlToText: true });
        return {
          name,
          subject: mail.subject,
          to: mail.to
            ? [mail.to]
                .flat()
                .map((a) => a.text)
                .join(', ')
            : '',
          date: mail.date?.toISOString(),
        };
      }),
    );
    return ctx.page(req, reply, 'outbox', { section: 'outbox', dir, total: names.length, messages });
  });

  app.get('/admin/outbox/:name', async (req, reply) => {
    const mail = await load(req.params);
    if (!mail) return ctx.page(req, reply, 'error', { status: 404, message: 'No such message.' }, 404);
    return ctx.page(req, reply, 'message', {
      section: 'outbox',
      name: (req.params as { name: string }).name,
      subject: mail.subject,
      from: mail.from?.text,
      to: mail.to
        ? [mail.to]
            .flat()
            .map((a) => a.text)
            .join(', ')
        : '',
      date: mail.date?.toISOString(),
      messageId: mail.messageId,
      headers: mail.headerLines.map((h) => h.line).filter((l) => /^(list-|message-id|precedence)/i.test(l)),
      text: mail.text,
      hasHtml: !!mail.html,
    });
  });

  app.get('/admin/outbox/:name/body', async (req, reply) => {
    const mail = await load(req.params);
    if (!mail?.html) return reply.code(404).send({ error: 'Not found' });
    reply.header('content-security-policy', BODY_CSP).header('x-frame-options', 'SAMEORIGIN');
    return reply.type('text/html; charset=utf-8').send(mail.html);
  });

  async function load(params: unknown) {
    const name = (params as { name?: string }).name ?? '';
    if (!dir || !NAME.test(name)) return undefined;
    try {
      return await simpleParser(await readFile(join(dir, name)));
    } catch {
      return undefined;
    }
  }
}
