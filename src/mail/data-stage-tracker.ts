/**
 * Knows, per recipient, whether the SMTP client has written the final "." of the message: the one
 * fact that separates "not delivered, retry" from "maybe delivered, never resend" when a connection
 * breaks without a reply. Nodemailer does not expose it (its errors say `ECONNECTION`/`CONN` either
 * way), so the pool gets its sockets from us (`getSocket`) and we watch what it writes: a `RCPT TO:`
 * command names the recipient of the message in flight on that socket, and the data terminator ends
 * its body. Body chunks are not scanned, only their last bytes.
 *
 * Over TLS (STARTTLS or smtps) the writes are encrypted and nothing can be seen: then every break
 * without a reply counts as possibly delivered (uncertain), the side that never mails anyone twice.
 */
import { connect, type Socket } from 'node:net';

type Stage = 'envelope' | 'body';
type SocketCallback = (err: Error | null, socketOptions?: { connection: Socket }) => void;

const TERMINATOR = Buffer.from('\r\n.\r\n');
const LONE_DOT = Buffer.from('.\r\n');

export class DataStageTracker {
  private readonly stages = new Map<string, Stage>();
  /** Set once any connection upgraded to TLS or was opened as TLS: we are blind from then on. */
  private blind = false;

  constructor(
    private readonly plain: boolean,
    private readonly connectTimeoutMs = 15_000,
  ) {
    if (!plain) this.blind = true;
  }

  /** For Nodemailer's `getSocket` option. */
  readonly getSocket = (options: { host?: string; port?: number }, callback: SocketCallback): void => {
    if (!this.plain) {
      callback(null);
      return;
    }
    const socket = connect({ host: options.host, port: options.port ?? 25 });
    const timer = setTimeout(() => {
      socket.destroy();
      callback(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
    }, this.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      this.watch(socket);
      callback(null, { connection: socket });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      callback(Object.assign(err, { code: 'ECONNECTION' }));
    });
  };

  /** Called before a message is handed over. */
  begin(recipient: string): void {
    this.stages.delete(recipient.toLowerCase());
  }

  /** After a failure: could the server have the whole message? */
  bodyHandedOver(recipient: string): boolean {
    const stage = this.stages.get(recipient.toLowerCase());
    if (stage) return stage === 'body';
    return this.blind;
  }

  /** After the outcome is known (sent or failed). */
  end(recipient: string): void {
    this.stages.delete(recipient.toLowerCase());
  }

  private watch(socket: Socket): void {
    let current: string | undefined;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const buf =
        typeof chunk === 'string' ? undefined : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const len = buf ? buf.length : (chunk as string).length;
      if (len < 600) {
        const text = buf ? buf.toString('latin1') : (chunk as string);
        if (text.startsWith('RCPT TO:<')) {
          current = text.slice(9, text.indexOf('>')).toLowerCase();
          this.stages.set(current, 'envelope');
        } else if (text.startsWith('STARTTLS')) {
          this.blind = true;
        }
      }
      if (current && buf && (buf.equals(LONE_DOT) || endsWith(buf, TERMINATOR)))
        this.stages.set(current, 'body');
      else if (
        current &&
        !buf &&
        ((chunk as string) === '.\r\n' || (chunk as string).endsWith('\r\n.\r\n'))
      ) {
        this.stages.set(current, 'body');
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
  }
}

function endsWith(buf: Buffer, tail: Buffer): boolean {
  return buf.length >= tail.length && buf.compare(tail, 0, tail.length, buf.length - tail.length) === 0;
}
