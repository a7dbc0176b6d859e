/**
 * Dashboard page of sources: each feed with its last result (when, how many items, the failure), and
 * the forms to add a feed URL, remove a source and collect one now. Collecting one source runs here,
 * in the request, through the collect step's own `collectSource` (its fetch has a timeout and a size
 * cap), so the page that comes back shows the result. A local feed file is added from the command
 * line only: a web form must not name files on the server.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { collectDeps } from '../../../app/step-deps.ts';
import { collectSource } from '../../../collect/collect-source.ts';
import { UserError } from '../../../errors/user-error.ts';
import type { SourceFetchResult } from '../../../sources/source.ts';
import { parseSourceLocation } from '../../../sources/source-location.ts';
import type { AdminContext } from './admin-context.ts';

const idParams = z.object({ id: z.string().regex(/^[a-f0-9]{6,64}$/) });
const addBody = z.object({
  url: z.string().max(2048).optional(),
  topics: z.union([z.string(), z.array(z.string())]).optional(),
});

/** The last result in a sentence: what a person needs to know, not the record's fields. */
export function describeFetch(f: SourceFetchResult | undefined): string {
  if (!f) return 'Never collected yet.';
  const items = `${f.new} new, ${f.updated} updated, ${f.unchanged} unchanged${f.refused ? `, ${f.refused} refused` : ''}`;
  if (f.status === 'error')
    return `Failed: ${f.errors[0] ?? 'no reason was recorded'}. Nothing was stored from it this time.`;
  if (f.status === 'not-modified') return 'Unchanged since the collect before (the feed said so).';
  return `${items}.`;
}

export function sourcePages(app: FastifyInstance, ctx: AdminContext): void {
  const { container: c } = ctx;
  const back = (req: FastifyRequest, reply: FastifyReply, kind: 'ok' | 'error', text: string) =>
    ctx.redirect(req, reply, '/admin/sources', { kind, text });

  app.get('/admin/sources', async (req, reply) => {
    // The publication file's sources are registered (or dropped), as the collect step and the CLI do.
    await c.sources.syncFromFile(c.publication.sources, ctx.clock());
    const sources = await c.sources.list();
    return ctx.page(req, reply, 'sources', {
      section: 'sources',
      topics: c.publication.topics,
      sources: sources.map((s) => ({
        ...s,
        fromFile: s.origin === 'file',
        failed: s.lastFetch?.status === 'error',
        result: describeFetch(s.lastFetch),
        itemErrors: s.lastFetch?.status === 'error' ? [] : (s.lastFetch?.errors ?? []).slice(0, 5),
      })),
    });
  });

  app.post('/admin/sources', async (req, reply) => {
    const body = addBody.safeParse(req.body ?? {});
    if (!body.success || !body.data.url?.trim())
      return back(req, reply, 'error', 'Give the address of a feed.');
    const given = body.data.url.trim();
    if (!/^https?:\/\//i.test(given))
      return back(
        req,
        reply,
        'error',
        `Not added: "${given.slice(0, 200)}" is not a web address (it must start with https:// or http://).`,
      );
    let url: string;
    try {
      url = parseSourceLocation(given).url;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return back(req, reply, 'error', `Not added: ${err.dashboard}.`);
    }
    const known = new Set(c.publication.topics.map((t) => t.id));
    const topics = [body.data.topics ?? []].flat().filter((t) => t !== '');
    const unknown = topics.find((t) => !known.has(t));
    if (unknown !== undefined)
      return back(req, reply, 'error', `Not added: "${unknown}" is not a topic of this publication.`);
    await c.sources.syncFromFile(c.publication.sources, ctx.clock());
    // A source of the publication file keeps the file's topics: the file is the configuration.
    const inFile = c.publication.sources.find((s) => s.url === url);
    const source = await c.sources.add(
      inFile
        ? { url, kind: 'url', topics: inFile.topics ?? [], origin: 'file' }
        : { url, kind: 'url', topics, origin: 'operator' },
      ctx.clock(),
    );
    return back(
      req,
      reply,
      'ok',
      `Added ${source.url}${inFile ? ` (a source of the publication file: it keeps the file's topics${(inFile.topics ?? []).length ? `, ${(inFile.topics ?? []).join(', ')}` : ''})` : ''}. Collect it now to see what it gives, or wait for the next scheduled collect.`,
    );
  });

  app.post('/admin/sources/:id/remove', async (req, reply) => {
    const p = idParams.safeParse(req.params);
    const source = p.success ? await c.sources.get(p.data.id) : undefined;
    if (!source) return back(req, reply, 'error', 'That source does not exist (any more).');
    await c.sources.remove(source.id);
    return back(
      req,
      reply,
      'ok',
      `Removed ${source.url}. Its articles already collected stay; no new ones come from it.${
        source.origin === 'file'
          ? ' The publication file still names it: it stays removed, and the editions page warns of it until you take it out of the file or add it again.'
          : ''
      }`,
    );
  });

  app.post('/admin/sources/:id/collect', async (req, reply) => {
    const p = idParams.safeParse(req.params);
    const source = p.success ? await c.sources.get(p.data.id) : undefined;
    if (!source) return back(req, reply, 'error', 'That source does not exist (any more).');
    const r = await collectSource(collectDeps(c), source, ctx.clock());
    if (r.status === 'error')
      return back(
        req,
        reply,
        'error',
        `Collecting ${source.url} failed: ${r.errors[0] ?? 'no reason was recorded'}.`,
      );
    const refused = r.refused ? `, ${r.refused} refused` : '';
    return back(
      req,
      reply,
      'ok',
      r.status === 'not-modified'
        ? `Collected ${source.url}: unchanged since the last collect.`
        : `Collected ${source.url}: ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged${refused}.`,
    );
  });
}
