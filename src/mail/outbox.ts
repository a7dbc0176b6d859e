/**
 * The embedded outbox: a real SMTP server on 127.0.0.1 that keeps every accepted message as an
 * `.eml` file under `dir`, so what was "sent" can be opened. Used when no SMTP_URL is configured.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMTPServer } from 'smtp-server';

export interface Outbox {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export async function startOutbox(options: { dir: string; port?: number }): Promise<Outbox> {
  mkdirSync(options.dir, { recursive: true });
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'newsletter-digest outbox',
    size: 50 * 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      // Name files by time and a counter so `ls` lists them in arrival order; never by input.
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(++seq).padStart(6, '0')}-${randomBytes(3).toString('hex')}.eml`;
      pipeline(stream, createWriteStream(join(options.dir, name)))
        .then(() => callback(null, `Ok: saved ${name}`))
        .catch((err: Error) => callback(err));
      void session;
    },
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port ?? 0, '127.0.0.1', () => res());
  });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}?tls=off`,
    port,
    dir: options.dir,
    stop: () => new Promise<void>((res) => server.close(() => res())),
  };
}

/** The newest messages in an outbox folder, newest first (for the dashboard and the CLI). */
export function listOutbox(dir: string, limit = 50): Array<{ file: string; size: number; at: string }> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files
    .sort()
    .reverse()
    .slice(0, limit)
    .map((file) => {
      const st = statSync(join(dir, file));
      return { file, size: st.size, at: st.mtime.toISOString() };
    });
}
