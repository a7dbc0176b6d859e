/**
 * The subscriber store whose changes a person relies on are acknowledged only once a replica has
 * them (src/redis/replica-wait.ts): unsubscribes (link, mailto, preference center), complaints,
 * preference changes and erasure. Not waited for: sign-ups (one lost to a failover is repeated by the
 * person, and its confirmation mail is what acknowledges it) and bounces (the send step records them
 * between hand-offs; one lost to a failover bounces again next week and is recorded then).
 */
import type { ReplicaWait } from '../redis/replica-wait.ts';
import type { SubscriberStore } from './subscriber-store.ts';

export function withReplicatedChanges(store: SubscriberStore, waitForReplica: ReplicaWait): SubscriberStore {
  const replicated =
    <A extends unknown[], R>(change: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await change(...args);
      await waitForReplica();
      return result;
    };
  return {
    ...store,
    update: replicated(store.update),
    unsubscribe: replicated(store.unsubscribe),
    markComplained: replicated(store.markComplained),
    forget: replicated(store.forget),
  };
}
