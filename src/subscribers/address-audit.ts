/**
 * Stored addresses that the address grammar (normalise-email.ts) refuses today, or that it would
 * write differently (an IDN domain stored in Unicode, upper case): older versions accepted quoted
 * local parts and kept them with the quotes stripped, i.e. as a different address. Such rows are
 * reported for an operator to decide (`digest subscribers check-addresses`), never silently kept or
 * silently rewritten: rewriting could merge two people or mail someone else.
 */
import type { Subscriber } from '../domain/subscriber.ts';
import { checkEmail } from './normalise-email.ts';
import { allSubscribers } from './subscriber-export.ts';
import type { SubscriberStore } from './subscriber-store.ts';

export interface NonconformingAddress {
  id: string;
  email: string;
  status: Subscriber['status'];
  /** Why, in one line ("it has quotation marks ..."). */
  reason: string;
  /** The form the grammar gives, when the address passes but is stored differently. */
  canonical?: string;
}

export interface AddressAudit {
  checked: number;
  nonconforming: NonconformingAddress[];
}

/** One subscriber's address against the grammar; undefined when it conforms. */
export function auditAddress(
  s: Pick<Subscriber, 'id' | 'email' | 'status'>,
): NonconformingAddress | undefined {
  const checked = checkEmail(s.email);
  if (!checked.ok) return { id: s.id, email: s.email, status: s.status, reason: `it ${checked.reason}` };
  if (checked.email === s.email) return undefined;
  return {
    id: s.id,
    email: s.email,
    status: s.status,
    reason: `it is stored in a form other than its canonical "${checked.email}"`,
    canonical: checked.email,
  };
}

/** Every stored subscriber, page by page. */
export async function auditAddresses(store: SubscriberStore): Promise<AddressAudit> {
  const report: AddressAudit = { checked: 0, nonconforming: [] };
  for await (const s of allSubscribers(store)) {
    report.checked++;
    const problem = auditAddress(s);
    if (problem) report.nonconforming.push(problem);
  }
  return report;
}
