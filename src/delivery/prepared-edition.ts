/**
 * What a send worker keeps per edition, computed once per process: the edition, and per variant the
 * compiled personaliser (Handlebars) and the MIME frame. A generation is frozen once built; a draft
 * can be built again, so each send job names the generation it was dispatched for and the cache
 * reloads when a job names another one. It holds the few most recent editions.
 * With a DKIM signer every message a variant composes is signed as it is built (the byte template
 * hashes its pieces; see dkim-signer.ts).
 */

import type { Publication } from '../domain/publication.ts';
import type { EditionRecord, EditionStore } from '../editions/edition-store.ts';
import { type ComposedMessage, composePersonalised } from '../mail/compose-message.ts';
import type { DkimSigner } from '../mail/dkim-signer.ts';
import { createMessageFrame, type MessageFrame } from '../mail/message-frame.ts';
import {
  type ComposeOptions,
  createMessageTemplate,
  fillMessageTemplate,
  fillSignedMessageTemplate,
  type TemplateRecipient,
} from '../mail/message-template.ts';
import type { CompiledVariant } from '../render/build-variant.ts';
import { dateFiller } from '../render/date-slots.ts';
import { compilePersonaliser, type Recipient } from '../render/personalise.ts';
import { EditionLoadError } from './edition-load-error.ts';

export interface PreparedVariant {
  key: string;
  personalise: (r: Recipient) => { html: string; text: string };
  frame: MessageFrame;
  /**
   * One recipient's whole message. `dotStuffed` asks for SMTP's dot-stuffing already applied (when the
   * mailer can hand the bytes over as they are); a variant whose source the byte template cannot take
   * answers with the plain string path and `dotStuffed: false`. Never signed (previews, tests).
   */
  compose: (r: TemplateRecipient, options: ComposeOptions) => ComposedMessage;
  /**
   * The message to hand to the relay: `compose`, DKIM-signed when the variant was prepared with a
   * signer. A signed message comes as a promise: its RSA signature is made on libuv's thread pool
   * (dkim-signer.ts), while the event loop goes on with the other lanes.
   */
  composeToSend: (
    r: TemplateRecipient,
    options: ComposeOptions,
  ) => ComposedMessage | Promise<ComposedMessage>;
}

export interface PreparedEdition {
  edition: EditionRecord;
  variants: PreparedVariant[];
}

// Every line end becomes CRLF (a bare CR too, as SMTP's DATA stage would make it).
const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, '\r\n');

export function prepareVariant(
  editionId: string,
  publication: Publication,
  variant: CompiledVariant,
  dkim?: DkimSigner | undefined,
): PreparedVariant {
  // Normalise line ends once here, so the per-recipient path never rewrites 80 KB strings.
  const normalised: CompiledVariant = { ...variant, html: crlf(variant.html), text: crlf(variant.text) };
  const personalise = compilePersonaliser(normalised);
  const frame = createMessageFrame({
    editionId,
    publication,
    subject: variant.subject,
    htmlTemplate: normalised.html,
    textTemplate: normalised.text,
  });
  const template = createMessageTemplate(frame, normalised);
  // The reader's dates: formatted once per (variant, zone), one array per distinct list (date-slots.ts).
  const datesIn = dateFiller({ ...variant, timeZone: variant.timeZone ?? publication.timezone });
  const signedStringPath = async (r: TemplateRecipient, date: Date, signer: DkimSigner) => {
    const message = composePersonalised(frame, personalise, r, date);
    return { ...message, raw: await signer.signMessage(message.raw) };
  };
  const compose: PreparedVariant['compose'] = template
    ? (r, options) => fillMessageTemplate(template, r, options, datesIn(r.timezone))
    : (r, options) => composePersonalised(frame, personalise, r, options.date);
  const composeToSend: PreparedVariant['composeToSend'] = !dkim
    ? compose
    : template
      ? (r, options) => fillSignedMessageTemplate(template, r, options, dkim, datesIn(r.timezone))
      : (r, options) => signedStringPath(r, options.date, dkim);
  return { key: variant.key, personalise, frame, compose, composeToSend };
}

/**
 * Loads and prepares an edition once per process. A failed load is not cached (the next call tries
 * again) and is never hidden: it rejects with EditionLoadError, so a send job fails and is retried
 * instead of completing with nobody sent.
 */
export function createPreparedEditionCache(
  editions: EditionStore,
  publication: Publication,
  options: { dkim?: DkimSigner | undefined; size?: number } = {},
) {
  const size = options.size ?? 4;
  const cache = new Map<string, Promise<PreparedEdition>>();
  /**
   * `build`: the generation a send job was dispatched for. When the cached one differs it is loaded
   * again, and a job of a generation that is no longer current gets undefined: nothing to send (its
   * recipients belong to the current generation's own jobs). Without it (jobs of older code) the
   * cache answers.
   */
  const prepared = async (editionId: string, build?: number): Promise<PreparedEdition | undefined> => {
    const hit = await load(editionId);
    if (build === undefined || (hit.edition.generation ?? 1) === build) return hit;
    cache.delete(editionId);
    const fresh = await load(editionId);
    return (fresh.edition.generation ?? 1) === build ? fresh : undefined;
  };
  const load = (editionId: string): Promise<PreparedEdition> => {
    let entry = cache.get(editionId);
    if (!entry) {
      entry = (async () => {
        try {
          const edition = await editions.get(editionId);
          if (!edition) throw new EditionLoadError(editionId, 'ENOEDITION');
          const variants = (await editions.variants(editionId)).map((v) =>
            prepareVariant(editionId, publication, v, options.dkim),
          );
          return { edition, variants };
        } catch (err) {
          throw err instanceof EditionLoadError
            ? err
            : new EditionLoadError(editionId, 'ELOAD', { cause: err });
        }
      })();
      cache.set(editionId, entry);
      entry.catch(() => cache.delete(editionId));
      while (cache.size > size) cache.delete(cache.keys().next().value!);
    }
    return entry;
  };
  return prepared;
}
