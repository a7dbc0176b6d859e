/**
 * Operator actions shared by `digest subscribers ...` and `/api/subscribers`: the same validation and
 * the same outcomes whichever door the operator uses.
 */
import type { Publication } from '../domain/publication.ts';
import type { Subscriber } from '../domain/subscriber.ts';
import { UserError } from '../errors/user-error.ts';
import { normaliseEmail } from './normalise-email.ts';
import { checkOperatorSubscriber, type RawSubscriber } from './subscriber-input.ts';
import { type SubscriberStore, SuppressedAddressError } from './subscriber-store.ts';

/** By id or by address. */
export async function findSubscriber(
  store: SubscriberStore,
  idOrEmail: string,
): Promise<Subscriber | undefined> {
  return normaliseEmail(idOrEmail) ? store.getByEmail(idOrEmail) : store.get(idOrEmail.trim());
}

export interface AddOutcome {
  subscriber: Subscriber;
  created: boolean;
}

/** Throws UserError for invalid input or a suppressed address. */
export async function addSubscriber(
  store: SubscriberStore,
  publication: Publication,
  raw: RawSubscriber,
  options: { confirmed: boolean; now: Date },
): Promise<AddOutcome> {
  const checked = checkOperatorSubscriber(raw, publication, { ...options, method: 'admin' });
  if (!checked.ok) throw new UserError(checked.reason);
  try {
    return await store.create(checked.value, 'admin', options.confirmed ? 'added --confirmed' : 'added');
  } catch (err) {
    if (err instanceof SuppressedAddressError)
      throw new UserError(
        'the address is on the suppression list (bounced, complained or forgotten): not added',
        2,
        {
          dashboard:
            'the address bounced, complained or was forgotten, so it is on the suppression list (only the person can sign up again)',
        },
      );
    throw err;
  }
}
