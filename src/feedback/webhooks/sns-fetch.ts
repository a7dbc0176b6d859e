/**
 * Fetches SNS documents over HTTPS: signing certificates (cached per process: SNS names few) and
 * subscription confirmations. Only SNS addresses (checked by the caller and again here), no
 * redirects, a timeout and a size cap.
 */
import { request } from 'undici';
import { isSnsUrl } from './ses-sns-webhook.ts';

const MAX_BYTES = 64 * 1024;

export type SnsFetch = (url: string) => Promise<string>;

export function createSnsFetch(): SnsFetch {
  const certificates = new Map<string, string>();
  const get = async (url: string): Promise<string> => {
    if (!isSnsUrl(url)) throw new Error('not an SNS address');
    const res = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`SNS answered ${res.statusCode}`);
    }
    let text = '';
    for await (const chunk of res.body) {
      text += chunk;
      if (text.length > MAX_BYTES) throw new Error('SNS document too large');
    }
    return text;
  };
  return async (url) => {
    if (!url.endsWith('.pem')) return get(url);
    const cached = certificates.get(url);
    if (cached) return cached;
    const cert = await get(url);
    certificates.set(url, cert);
    return cert;
  };
}
