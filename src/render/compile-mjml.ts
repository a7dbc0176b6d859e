/**
 * Runs MJML (v5, async) once per variant. Strict validation: a template error stops the build with a
 * message instead of sending a broken email. No web fonts (a privacy leak in every opened email),
 * no mj-include (the templates use Handlebars partials). Minified (MJML's own htmlnano pass: whitespace
 * collapsed, ordinary comments removed, Outlook's conditional comments kept): a busy week's digest
 * was a quarter indentation, and Gmail clips an HTML part over 102 KB. Its CSS is left as written
 * (a few hundred bytes; cssnano is not worth a dependency for them).
 */
import mjml2html from 'mjml';
import { TemplateError } from './template-set.ts';

export async function compileMjml(mjml: string): Promise<string> {
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(mjml, {
      validationLevel: 'strict',
      keepComments: false,
      minify: true,
      // A decorative image's alt="" comes out as a bare `alt`, which HTML defines as the same thing.
      minifyOptions: { minifyCss: false },
      ignoreIncludes: true,
      fonts: {},
    });
  } catch (err) {
    const details = (err as { details?: Array<{ formattedMessage?: string; message?: string }> }).details;
    const first = details?.[0];
    throw new TemplateError(`MJML: ${first?.formattedMessage ?? first?.message ?? (err as Error).message}`);
  }
  if (result.errors.length) throw new TemplateError(`MJML: ${result.errors[0]!.formattedMessage}`);
  return result.html;
}
