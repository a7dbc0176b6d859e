/**
 * The digest hand-off: a small pool of Nodemailer `SMTPConnection`s (Nodemailer's documented
 * low-level client: connect, EHLO, STARTTLS, AUTH, PIPELINING, DATA) that each carry one prebuilt
 * message at a time. Nodemailer's own pool (`SMTPPool`) wraps every message in a MailComposer tree, a
 * MIME node, a PassThrough and a pipeline before the same `SMTPConnection.send`; for a message that
 * is already a finished Buffer that plumbing was more than half of a send worker's CPU
 * (BENCHMARKS.md), so the digests skip it and keep the protocol client, as `DirectBodyConnection`s,
 * which also write a DATA-ready Buffer to the socket without a DataStream (direct-body-connection.ts).
 *
 * Kept from Nodemailer's pool, deliberately: at most `maxConnections` connections, a connection is
 * recycled after `maxMessages`, a refused envelope resets the session (RSET) and keeps the
 * connection, any other failure closes it, and a message that failed on a reused connection before
 * a byte of it was sent (the server had dropped the idle connection) goes once more over a new one.
 *
 * Added: `prepare` opens a batch's connections in the background while the batch loads its
 * recipients, because a new connection costs a TCP handshake, the server's greeting (smtp-server holds
 * it 100 ms to catch early talkers; Postfix's postscreen can hold it seconds) and EHLO.
 */
import type { Socket } from 'node:net';
import DKIM from 'nodemailer/lib/dkim';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { DirectBodyConnection } from './direct-body-connection.ts';
import { markDotStuffed } from './fast-dot-stuffing.ts';

type SocketCallback = (err: Error | null, socketOptions?: { connection: Socket }) => void;

export interface SmtpConnectionPoolOptions {
  connection: SMTPConnection.Options;
  auth?: { user: string; pass: string } | undefined;
  maxConnections: number;
  maxMessages: number;
  dkim?: DKIM.Options | undefined;
  /** Opens the socket (the data-stage tracker watches what is written on it). */
  getSocket?: (options: { host?: string; port?: number }, callback: SocketCallback) => void;
  /** Whether a failure left the whole message with the server (then it must not be sent again). */
  bodyHandedOver: (recipient: string) => boolean;
  /** An idle connection is closed after this long (default 10 s), so relays are not held open. */
  idleMs?: number;
}

export interface PooledSendInfo {
  response: string;
}

interface Lane {
  conn: SMTPConnection;
  messages: number;
  broken: boolean;
  idleTimer?: NodeJS.Timeout | undefined;
}

const TRANSIENT = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT']);

export class SmtpConnectionPool {
  private readonly idle: Lane[] = [];
  private readonly waiting: Array<{ resolve: (lane: Lane) => void; reject: (err: Error) => void }> = [];
  private open = 0;
  private closed = false;
  private readonly signer: DKIM | undefined;

  constructor(private readonly options: SmtpConnectionPoolOptions) {
    this.signer = options.dkim ? new DKIM(options.dkim) : undefined;
  }

  /** True when messages go out as given: a DKIM signature has to be computed on unstuffed bytes. */
  get acceptsDotStuffed(): boolean {
    return !this.signer;
  }

  async send(
    envelope: { from: string; to: string },
    raw: Buffer,
    dotStuffed: boolean,
  ): Promise<PooledSendInfo> {
    let lane = await this.acquire();
    try {
      return await this.sendOn(lane, envelope, raw, dotStuffed);
    } catch (err) {
      const e = err as Error & { code?: string; responseCode?: number };
      const reused = lane.messages > 1;
      const dropped = lane.broken && TRANSIENT.has(e.code ?? '') && !this.options.bodyHandedOver(envelope.to);
      if (!(reused && dropped) || this.closed) throw err;
      lane = await this.acquire();
      return await this.sendOn(lane, envelope, raw, dotStuffed);
    }
  }

  /**
   * Opens connections in the background until `count` (at most `maxConnections`) are open or being
   * opened, so that a batch's first messages find them ready. A failure here is not reported: the
   * sender that needs a connection then opens its own and gets the error.
   */
  prepare(count: number): void {
    const want = Math.min(count, this.options.maxConnections);
    while (!this.closed && this.open < want) {
      this.open++;
      this.connect().then(
        (lane) => this.release(lane),
        () => {
          this.open--;
          this.serveNextWaiter();
        },
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0))
      w.reject(Object.assign(new Error('pool closed'), { code: 'ECONNECTION' }));
    for (const lane of this.idle.splice(0)) this.retire(lane);
  }

  private sendOn(
    lane: Lane,
    envelope: { from: string; to: string },
    raw: Buffer,
    dotStuffed: boolean,
  ): Promise<PooledSendInfo> {
    lane.messages++;
    const message = this.signer ? this.signer.sign(raw) : dotStuffed ? markDotStuffed(raw) : raw;
    return new Promise((resolve, reject) => {
      lane.conn.send({ from: envelope.from, to: [envelope.to] }, message, (err, info) => {
        if (!err) {
          resolve({ response: info.response });
          this.release(lane);
          return;
        }
        const e = err as Error & { code?: string; responseCode?: number };
        const refused = (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421;
        if (refused && !lane.broken) {
          // The server refused this message; the session is fine after RSET.
          lane.conn.reset((resetErr) => {
            if (resetErr) lane.broken = true;
            this.release(lane);
          });
        } else {
          lane.broken = true;
          this.release(lane);
        }
        reject(err);
      });
    });
  }

  private acquire(): Promise<Lane> {
    if (this.closed) return Promise.reject(Object.assign(new Error('pool closed'), { code: 'ECONNECTION' }));
    for (let lane = this.idle.pop(); lane; lane = this.idle.pop()) {
      clearTimeout(lane.idleTimer);
      if (!lane.broken) return Promise.resolve(lane);
      this.retire(lane);
    }
    if (this.open < this.options.maxConnections) {
      this.open++;
      return this.connect().catch((err) => {
        this.open--;
        // The slot is free again: the next waiter tries its own connection (or fails the same way),
        // so no sender waits for a release that will never come.
        this.serveNextWaiter();
        throw err;
      });
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(lane: Lane): void {
    if (lane.broken || lane.messages >= this.options.maxMessages || this.closed) {
      this.retire(lane);
      // A freed slot: the next waiter gets a new connection.
      this.serveNextWaiter();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next.resolve(lane);
      return;
    }
    lane.idleTimer = setTimeout(() => {
      const at = this.idle.indexOf(lane);
      if (at !== -1) {
        this.idle.splice(at, 1);
        this.retire(lane);
      }
    }, this.options.idleMs ?? 10_000);
    lane.idleTimer.unref();
    this.idle.push(lane);
  }

  private serveNextWaiter(): void {
    const next = this.waiting.shift();
    if (next) this.acquire().then(next.resolve, next.reject);
  }

  private retire(lane: Lane): void {
    this.open--;
    clearTimeout(lane.idleTimer);
    if (lane.broken) lane.conn.close();
    else lane.conn.quit();
  }

  private connect(): Promise<Lane> {
    return new Promise((resolve, reject) => {
      const start = (socketOptions: { connection?: Socket } = {}) => {
        const conn = new DirectBodyConnection({ ...this.options.connection, ...socketOptions });
        const lane: Lane = { conn, messages: 0, broken: false };
        let settled = false;
        const fail = (err: Error) => {
          lane.broken = true;
          if (settled) return;
          settled = true;
          conn.close();
          reject(err);
        };
        // After the set-up, errors reach the send callback; the lane is only marked unusable here.
        conn.on('error', fail);
        conn.once('end', () => {
          lane.broken = true;
          if (!settled) fail(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }));
        });
        conn.connect((err?: Error | null) => {
          if (err) return fail(err);
          const auth = this.options.auth;
          if (!auth || !conn.allowsAuth) {
            settled = true;
            return resolve(lane);
          }
          conn.login({ credentials: auth } as SMTPConnection.AuthenticationCredentials, (loginErr) => {
            if (loginErr) return fail(loginErr);
            settled = true;
            resolve(lane);
          });
        });
      };
      const getSocket = this.options.getSocket;
      if (!getSocket) return start();
      const { host, port } = this.options.connection;
      getSocket({ host, port: port === undefined ? undefined : Number(port) }, (err, so) =>
        err ? reject(err) : start(so?.connection ? { connection: so.connection } : {}),
      );
    });
  }
}
