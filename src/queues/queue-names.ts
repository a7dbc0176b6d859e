/** The queues of one weekly send, in order. */
export const QUEUES = {
  /** Fetch every source (and, for the weekly schedule, then build). */
  collect: 'collect',
  /** Freeze an edition and compile its variants. */
  build: 'build',
  /** Page through an edition's recipients and enqueue `send` batches delayed until due. */
  dispatch: 'dispatch',
  /** Claim → render → compose → SMTP hand-off → record, per recipient of a batch. */
  send: 'send',
  /** Periodic: re-enqueue pending deliveries whose job is gone, expire stale claims. */
  reconcile: 'reconcile',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ's key prefix: named with every other key in redis/key-layout.ts. */
export { bullPrefix } from '../redis/key-layout.ts';

export interface SendJobData {
  editionId: string;
  subscriberIds: string[];
  /** The edition's build generation the job was dispatched for (absent in jobs of older code). */
  build?: number;
}

export interface EditionJobData {
  editionId: string;
  /** Dispatch: ignore delivery hours and send now. */
  immediate?: boolean;
  /** The weekly schedule's chain: collect → build → dispatch. */
  chain?: boolean;
}
