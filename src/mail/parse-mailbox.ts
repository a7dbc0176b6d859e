/** One mailbox (`Name <a@b.example>` or `a@b.example`), parsed with Nodemailer's RFC 5322 parser. */
import addressparser from 'nodemailer/lib/addressparser/index.js';

export interface Mailbox {
  name: string;
  address: string;
}

export function parseMailbox(value: string): Mailbox | undefined {
  if (/[\r\n]/.test(value)) return undefined;
  const list = addressparser(value);
  if (list.length !== 1) return undefined;
  const first = list[0]!;
  if (!('address' in first) || !first.address || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(first.address))
    return undefined;
  return { name: first.name ?? '', address: first.address };
}
