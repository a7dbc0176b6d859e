/**
 * The queues browser: @bull-board (not our own) mounted under `/admin/queues`, behind the dashboard
 * session of the enclosing plugin. Its own API calls are guarded by the same-origin check there.
 * Its header menu carries a link back to the dashboard (the dashboard's nav links to it).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../app/container.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';

export async function queueBoard(app: FastifyInstance, container: Container): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  const queues = Object.values(container.queues).filter((q) => typeof q === 'object');
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    // @bull-board/fastify 9.10.1 carries its own copy of @bull-board/api's types (9.10.1 vs 9.10.2):
    // the same interface, declared twice, so TypeScript needs to be told.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    // `miscLinks` is bull-board's documented way to add links to its header menu: the way back.
    options: {
      uiConfig: {
        // Short: on a phone a longer title pushes the header's last menu (the way back) off the screen.
        boardTitle: 'Queues',
        miscLinks: [{ text: 'Back to the dashboard', url: '/admin' }],
      },
    },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
}
