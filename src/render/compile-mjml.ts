/**
 * Runs MJML (v5, async) once per variant. Strict validation: a template error stops the build with a
 * message instead of sending a broken email. No web fonts (a privacy leak in every opened email),
 * no mj-include (the templates use Handlebars partials).
 */
import mjml2html from 'mjml';
import { TemplateError } from './template-set.ts';

export async function compileMjml(mjml: string): Promise<string> {
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(mjml, {
      validationLevel: 'strict',
      keepComments: false,
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
