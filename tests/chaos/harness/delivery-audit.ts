/**
 * Compares what arrived at the sink with the delivery ledger of one edition: the figures every
 * scenario reports. A copy is one accepted message with the edition's deterministic Message-ID.
 */
import type { Container } from '../../../src/app/container.ts';
import type { SinkDelivery } from './sink-process.ts';

export interface DeliveryAudit {
  eligible: number;
  sent: number;
  skipped: number;
  bounced: number;
  uncertain: number;
  failed: number;
  cancelled: number;
  /** pending + retry + sending at the end: deliveries that never reached an outcome. */
  open: number;
  /** Messages at the sink beyond the first per (edition, subscriber). */
  duplicates: number;
  /** Ledger says `sent` but the sink never accepted it. */
  sentNotReceived: number;
  /** The sink accepted it but the ledger does not say sent or uncertain (a lost ledger entry). */
  receivedNotRecorded: number;
  /** Subscriber ids per ledger state. */
  byState: Map<string, string[]>;
  /** Copies per subscriber id at the sink. */
  copies: Map<string, number>;
}

export async function auditEdition(
  c: Container,
  editionId: string,
  deliveries: SinkDelivery[],
): Promise<DeliveryAudit> {
  const copies = new Map<string, number>();
  for (const d of deliveries.filter((x) => x.editionId === editionId))
    copies.set(d.subscriberId, (copies.get(d.subscriberId) ?? 0) + 1);

  const byState = new Map<string, string[]>();
  let cursor = '0';
  do {
    const page = await c.ledger.scan(editionId, cursor, 1000);
    cursor = page.cursor;
    for (const [id, raw] of page.entries) {
      const state = raw.split('@')[0]!;
      byState.set(state, [...(byState.get(state) ?? []), id]);
    }
  } while (cursor !== '0');
  const inState = (s: string) => byState.get(s)?.length ?? 0;
  const stateOf = new Map<string, string>();
  for (const [s, ids] of byState) for (const id of ids) stateOf.set(id, s);

  const edition = await c.editions.get(editionId);
  let duplicates = 0;
  let receivedNotRecorded = 0;
  for (const [id, n] of copies) {
    duplicates += n - 1;
    const s = stateOf.get(id);
    if (s !== 'sent' && s !== 'uncertain') receivedNotRecorded++;
  }
  const sentNotReceived = (byState.get('sent') ?? []).filter((id) => !copies.has(id)).length;
  return {
    eligible: edition?.recipientCount ?? 0,
    sent: inState('sent'),
    skipped: inState('skipped'),
    bounced: inState('bounced'),
    uncertain: inState('uncertain'),
    failed: inState('failed'),
    cancelled: inState('cancelled'),
    open: inState('pending') + inState('retry') + inState('sending'),
    duplicates,
    sentNotReceived,
    receivedNotRecorded,
    byState,
    copies,
  };
}

/** Polls until the edition is no longer `sending` (or the time is up). */
export async function waitForEdition(c: Container, editionId: string, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const e = await c.editions.get(editionId);
    if (e && e.status !== 'sending' && e.status !== 'draft') return e.status;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `edition ${editionId} still ${e?.status} after ${timeoutMs} ms: ${JSON.stringify(await c.ledger.counts(editionId))}; send jobs: ${await describeSendJobs(c)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the ledger says `done(counts)` (e.g. some sent, to kill mid-send). */
export async function waitForCounts(
  c: Container,
  editionId: string,
  done: (counts: Record<string, number>) => boolean,
  timeoutMs: number,
): Promise<void> {
  const t0 = Date.now();
  while (!done(await c.ledger.counts(editionId))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`ledger condition not met after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where the send jobs are, for a scenario that did not finish: state, attempts, last failure. */
export async function describeSendJobs(c: Container): Promise<string> {
  const jobs = await c.queues.send.getJobs(['active', 'wait', 'delayed', 'failed', 'prioritized'], 0, 20);
  const parts = await Promise.all(
    jobs.map(async (j) =>
      `${j.id} ${await j.getState()} attempts ${j.attemptsMade} delay ${j.delay} ${j.failedReason ?? ''}`.trim(),
    ),
  );
  return parts.join('; ') || 'none';
}
