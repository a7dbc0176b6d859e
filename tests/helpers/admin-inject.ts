/**
 * The dashboard through Fastify inject as a browser would use it: a cookie jar that keeps what the
 * server sets (session, CSRF secret, flash), form posts with the page's CSRF token, multipart uploads.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export const csrfOf = (res: LightMyRequestResponse): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  if (!token) throw new Error(`no CSRF token in ${res.body.slice(0, 300)}`);
  return token;
};

/** The one-line message a redirect left for the next page. */
export const flashOf = (res: LightMyRequestResponse): string | undefined =>
  /<p class="flash (?:ok|error)" role="status">([^<]*)<\/p>/
    .exec(res.body)?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');

export class AdminClient {
  cookies = new Map<string, string>();
  constructor(private app: FastifyInstance) {}

  private get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: 'GET' | 'POST',
    url: string,
    body?: { form?: Record<string, string | string[]>; raw?: Buffer; contentType?: string },
  ): Promise<LightMyRequestResponse> {
    let payload: string | Buffer | undefined;
    let contentType: string | undefined;
    if (body?.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(body.form)) for (const x of [v].flat()) params.append(k, x);
      payload = params.toString();
      contentType = 'application/x-www-form-urlencoded';
    } else if (body?.raw) {
      payload = body.raw;
      contentType = body.contentType;
    }
    const res = await this.app.inject({
      method,
      url,
      headers: {
        cookie: this.cookieHeader,
        accept: 'text/html',
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      payload,
    });
    for (const c of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair] = c.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name!);
      else this.cookies.set(name!, value);
    }
    return res;
  }

  get = (url: string) => this.request('GET', url);
  post = (url: string, form: Record<string, string | string[]>) => this.request('POST', url, { form });

  /** A multipart form (the CSV upload): text fields and one file. */
  async upload(url: string, fields: Record<string, string>, file?: { name: string; content: string }) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (file) form.append('file', new Blob([file.content], { type: 'text/csv' }), file.name);
    const encoded = new Request('http://localhost/', { method: 'POST', body: form });
    return this.request('POST', url, {
      raw: Buffer.from(await encoded.arrayBuffer()),
      contentType: encoded.headers.get('content-type')!,
    });
  }

  /** Follows one redirect (303) and returns the page it leads to. */
  async follow(res: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    if (res.statusCode !== 303)
      throw new Error(`expected a redirect, got ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return this.get(String(res.headers.location));
  }

  static async login(app: FastifyInstance, token = ADMIN_TOKEN): Promise<AdminClient> {
    const b = new AdminClient(app);
    const form = await b.get('/admin/login');
    const res = await b.post('/admin/login', { _csrf: csrfOf(form), token });
    if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode}`);
    return b;
  }
}
