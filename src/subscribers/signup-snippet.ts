/**
 * The sign-up form a publication pastes into its own site (the dashboard's "Sign-up form" page shows
 * it to copy): plain HTML that posts to this server's `/subscribe`, so it needs no JavaScript, no
 * script tag and no CORS (a form POST is a navigation). Topic choices are optional. It carries a
 * honeypot field (`website`, hidden from people and screen readers; a bot that fills it is answered as
 * if accepted and nobody is added) and, when given, a `redirect` back to the publication's site, which
 * the server accepts only on the publication's own origins (signup-redirect.ts). Styles are inline and
 * few, so the host page's own CSS mostly wins. Pure: text in, text out.
 */
import Handlebars from 'handlebars';
import type { Topic } from '../domain/publication.ts';

/** The honeypot's field name: an ordinary word, so form-filling bots take it for a real field. */
export const HONEYPOT_FIELD = 'website';

export interface SnippetInput {
  /** This server's public URL (`PUBLIC_URL`); the form posts to `<publicUrl>/subscribe`. */
  publicUrl: string;
  publicationName: string;
  /** Topic checkboxes to offer; empty: none (the person gets every topic). */
  topics: Topic[];
  /** Where the browser goes after a sign-up (checked again by the server); empty: our thank-you page. */
  redirect: string;
  /** The language of the labels (the publication's); sent along so the emails use it too. */
  locale: string;
  labels: { heading: string; email: string; topics: string; optional: string; button: string };
}

export function signUpSnippet(input: SnippetInput): string {
  const e = Handlebars.escapeExpression;
  const action = `${input.publicUrl.replace(/\/+$/, '')}/subscribe`;
  const lines = [
    `<!-- ${e(input.publicationName)}: sign-up form (plain HTML, no JavaScript needed) -->`,
    `<form class="nd-signup" method="post" action="${e(action)}" accept-charset="utf-8" style="max-width:28rem">`,
    `  <p style="margin:0 0 .5rem;font-weight:600">${e(input.labels.heading)}</p>`,
    `  <label for="nd-signup-email" style="display:block;margin:0 0 .25rem">${e(input.labels.email)}</label>`,
    `  <input id="nd-signup-email" type="email" name="email" required autocomplete="email" maxlength="254" style="box-sizing:border-box;width:100%;padding:.5rem;font:inherit">`,
  ];
  if (input.topics.length > 0) {
    lines.push(
      '  <fieldset style="border:0;margin:.75rem 0 0;padding:0">',
      `    <legend style="padding:0;margin:0 0 .25rem">${e(input.labels.topics)} ${e(input.labels.optional)}</legend>`,
      ...input.topics.map(
        (t) =>
          `    <label style="display:inline-block;margin:0 1rem .25rem 0"><input type="checkbox" name="topics" value="${e(t.id)}"> ${e(t.name)}</label>`,
      ),
      '  </fieldset>',
    );
  }
  lines.push(
    // Off-screen rather than display:none (some bots skip fields that are not displayed); aria-hidden
    // and tabindex keep people with screen readers or keyboards out of it.
    '  <div aria-hidden="true" style="position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap">',
    `    <label>Leave this field empty <input type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off" value=""></label>`,
    '  </div>',
  );
  if (input.locale) lines.push(`  <input type="hidden" name="locale" value="${e(input.locale)}">`);
  if (input.redirect) lines.push(`  <input type="hidden" name="redirect" value="${e(input.redirect)}">`);
  lines.push(
    `  <button type="submit" style="margin-top:.75rem;padding:.5rem 1rem;font:inherit;cursor:pointer">${e(input.labels.button)}</button>`,
    '</form>',
  );
  return `${lines.join('\n')}\n`;
}
