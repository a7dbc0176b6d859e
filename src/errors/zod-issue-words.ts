/**
 * A zod issue in our words, as the end of "<field> must be …" or a whole sentence: what reaches a
 * person from the publication file and the environment never reads "Invalid input: expected string,
 * received undefined". Messages we wrote into a schema (`'an IANA timezone such as …'`) are kept.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

const THING: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object ({ … })',
  date: 'a date',
};

/** zod's own wording starts like this; ours never does. */
const LIBRARY_WORDING = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;

/** One sentence naming `field` (e.g. `postalAddress`, `PUBLICATION_TIMEZONE`). */
export function describeIssue(field: string, issue: Issue): string {
  if (!LIBRARY_WORDING.test(issue.message)) return `${field} must be ${issue.message}`;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = THING[issue.expected] ?? issue.expected;
      if (/received undefined$/.test(issue.message)) return `${field} is missing: it must be ${expected}`;
      return `${field} must be ${expected}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? 'at least' : 'at most';
      const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const unit =
        issue.origin === 'string'
          ? ` character${n === 1 ? '' : 's'} long`
          : issue.origin === 'array' || issue.origin === 'set'
            ? ` item${n === 1 ? '' : 's'}`
            : '';
      return `${field} must be ${bound} ${n}${unit}`;
    }
    case 'invalid_format':
      return `${field} must be ${issue.format === 'email' ? 'an email address' : `in the ${issue.format} format`}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => (field === 'file' ? k : `${field}.${k}`)).join(', ')}`;
    default:
      return `${field} has a value that is not allowed`;
  }
}

/**
 * The first issue of a failed parse of a request, in our words: its field is the issue's path
 * (`topics.0`), or `whole` (e.g. `body`, `query`) when the issue is about the whole input.
 */
export function describeFirstIssue(error: z.ZodError, whole: string): string {
  const issue = error.issues[0];
  if (!issue) return `${whole} is not valid`;
  return describeIssue(issue.path.map(String).join('.') || whole, issue);
}
