/** The BullMQ Queue handles of one process (producers); workers are built in workers/. */
import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/redis-client.ts';
import { bullPrefix, QUEUES, type QueueName } from './queue-names.ts';

export type Queues = Record<QueueName, Queue> & { close(): Promise<void> };

export function createQueues(connection: RedisClient, prefix: string): Queues {
  const entries = Object.values(QUEUES).map((name) => [
    name,
    new Queue(name, { connection, prefix: bullPrefix(prefix, name) }),
  ]);
  const queues = Object.fromEntries(entries) as Record<QueueName, Queue>;
  const all = Object.values(queues);
  return Object.assign(queues, {
    async close() {
      await Promise.all(all.map((q) => q.close()));
    },
  });
}

/** True when some worker process listens on the queue (BullMQ names its worker connections). */
export async function hasWorkers(queue: Queue): Promise<boolean> {
  return (await queue.getWorkersCount()) > 0;
}
