/**
 * `GET /static/sample/:file`: images shipped beside the publication file (`<its folder>/img/`), so the
 * bundled sample's digest shows its pictures in the demo (its feed names them `/static/sample/<name>`,
 * which the collect step resolves against PUBLIC_URL: any port, any host). Only plain `name.jpg|png|webp|gif` names inside that one folder,
 * cached for a day; anything else is the ordinary 404.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../app/container.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,80}\.(jpe?g|png|webp|gif)$/;
const TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

export function publicationImageRoutes(container: Container) {
  const folder = join(dirname(container.publicationFile), 'img');
  return async (app: FastifyInstance) => {
    app.get('/static/sample/:file', async (req, reply) => {
      const file = (req.params as { file?: string }).file ?? '';
      const match = NAME.exec(file);
      const path = join(folder, file);
      if (!match || !existsSync(path)) return reply.callNotFound();
      return reply
        .type(TYPES[match[1]!]!)
        .header('cache-control', 'public, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .send(readFileSync(path));
    });
  };
}
