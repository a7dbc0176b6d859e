/**
 * Validates what an operator gives as a source: an http(s) URL, or a path to a local feed file
 * (resolved to an absolute path, which must exist). Anything else is a UserError.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors/user-error.ts';

export interface SourceLocation {
  url: string;
  kind: 'url' | 'file';
}

export function parseSourceLocation(input: string, cwd = process.cwd()): SourceLocation {
  const value = input.trim();
  if (!value) throw new UserError('a source needs a feed URL or a file path');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^file:/i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UserError(`"${value}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UserError(`"${value}": only http(s) feed URLs are supported`);
    }
    if (url.username || url.password)
      throw new UserError(`"${value}": credentials in feed URLs are not supported`);
    url.hash = '';
    return { url: url.toString(), kind: 'url' };
  }
  const path = /^file:/i.test(value) ? fileURLToPath(value) : isAbsolute(value) ? value : resolve(cwd, value);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UserError(`"${value}" is neither an http(s) URL nor a readable feed file`);
  }
  return { url: path, kind: 'file' };
}

export const sourceIdFor = (url: string): string =>
  createHash('sha256').update(url).digest('hex').slice(0, 12);
