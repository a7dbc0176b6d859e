/**
 * The digest hand-off: a small pool of `PreparedBodyConnection`s (Nodemailer's SMTP client with one
 * seam, prepared-body-connection.ts) that each carry one prebuilt message at a time. Nodemailer's own
 * pool (`SMTPPool`) wraps every message in a MailComposer tree, a MIME node, a PassThrough and a
 * pipeline before the same `SMTPConnection.send`; for a message that is already a finished Buffer that
 * plumbing was more than half of a send worker's CPU (BENCHMARKS.md), so the digests skip it.
 *
 * A sender holds a connection as a **lane** (`lane()`): `ready()` first, then claim a recipient, then
 * `send()`. So a recipient is claimed only with a connection in hand that the relay has greeted
 * (EHLO, STARTTLS, AUTH done): when the relay is down, nobody is claimed only to fail.
 *
 * **Outages.** A connection that cannot be opened for a reason waiting can fix (refused, timeout, TLS
 * handshake broke, 421 greeting: `classifySmtpError` says `unreachable`) starts an outage
 * (relay-outage.ts): lanes wait in `ready()`, one probe tries the relay after 1 s, 2 s, 4 s ... 60 s,
 * and the first connection it opens ends the outage and goes to a waiting lane. An outage longer than
 * `outageLimitMs` makes the waiting lanes throw `ERELAYDOWN` (the edition pauses with that reason). A
 * login or certificate failure is not an outage: `ready()` throws it at once.
 *
 * Kept from Nodemailer's pool, deliberately: at most `maxConnections` connections, a connection is
 * recycled after `maxMessages`, a refused envelope resets the session (RSET) and keeps the
 * connection, any other failure closes it, and a message that failed on a reused connection before
 * its final "." (the server had dropped the idle connection) goes once more over a new one.
 * `prepare` opens a batch's connections in the background while the batch loads its recipients (TCP,
 * the greeting smtp-server holds 100 ms and Postfix's postscreen can hold seconds, STARTTLS, EHLO).
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { classifySmtpError, type SmtpFailure } from '../core/smtp-error-class.ts';
import { RelayUnreachableError } from '../errors/relay-unreachable-error.ts';
import { PreparedBodyConnection, type SendFailure } from './prepared-body-connection.ts';
import {
  describeOutage,
  describeOutageLimit,
  describeRelayFailure,
  failedProbe,
  outageOverLimit,
  type RelayOutage,
  startOutage,
} from './relay-outage.ts';

export interface SmtpConnectionPoolOptions {
  connection: SMTPConnection.Options;
  auth?: { user: string; pass: string } | undefined;
  maxConnections: number;
  maxMessages: number;
  /** An idle connection is closed after this long (default 10 s), so relays are not held open. */
  idleMs?: number;
  /** How long an outage may last before waiting lanes give up with `ERELAYDOWN` (default 15 min). */
  outageLimitMs?: number;
  /** Told when an outage begins or changes, and with `undefined` when the relay answers again. */
  onOutage?: (outage: RelayOutage | undefined, givenUp: boolean) => void;
  now?: () => number;
}

interface Conn {
  conn: PreparedBodyConnection;
  messages: number;
  broken: boolean;
  idleTimer?: NodeJS.Timeout | undefined;
}

/** No reply and no stage error: what a connection the server dropped while idle looks like. */
const TRANSIENT = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT']);
/** How often a lane waiting out an outage looks at `stopping` and the limit. */
const WAIT_TICK_MS = 500;

const poolClosed = () => Object.assign(new Error('pool closed'), { code: 'ECONNECTION' });

export class SmtpConnectionPool {
  private readonly idle: Conn[] = [];
  private readonly slotWaiters: Array<() => void> = [];
  private readonly outageWaiters = new Set<() => void>();
  private open = 0;
  private closed = false;
  private outage: RelayOutage | undefined;
  /** The last outage given up on, so the lanes that waited on it throw instead of trying again. */
  private givenUp: RelayOutage | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly outageLimitMs: number;

  constructor(private readonly options: SmtpConnectionPoolOptions) {
    this.now = options.now ?? Date.now;
    this.outageLimitMs = options.outageLimitMs ?? 15 * 60_000;
  }

  /** Messages go out as given: a digest is DKIM-signed when it is built (dkim-signer.ts), not here. */
  get acceptsDotStuffed(): boolean {
    return true;
  }

  /** The current outage, if any (for tests and the process's own status). */
  get currentOutage(): RelayOutage | undefined {
    return this.outage;
  }

  lane(): PoolLane {
    return new PoolLane(this);
  }

  /**
   * One message on a lane of its own (test sends, the transport ceiling benchmark). It does not wait
   * out an outage: a person is waiting for the answer, which is the outage's description.
   */
  async send(envelope: { from: string; to: string }, raw: Buffer, dataReady: boolean): Promise<string> {
    const lane = this.lane();
    try {
      await lane.ready(undefined, false);
      return await lane.send(envelope, raw, dataReady);
    } finally {
      lane.release();
    }
  }

  /**
   * Opens connections in the background until `count` (at most `maxConnections`) are open or being
   * opened, so that a batch's first messages find them ready. A failure here is not reported to
   * anyone, but an unreachable relay starts the outage the lanes then wait out.
   */
  prepare(count: number): void {
    const want = Math.min(count, this.options.maxConnections);
    while (!this.closed && !this.outage && this.open < want) {
      this.open++;
      this.connect().then(
        (c) => this.release(c),
        (err: SmtpFailure) => {
          this.freeSlot();
          if (classifySmtpError(err) === 'unreachable') this.noteUnreachable(err);
        },
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.wakeAll();
    for (const c of this.idle.splice(0)) this.retire(c);
  }

  /**
   * A connection for a lane: an idle one or a new one. Waits out an outage; `undefined` when
   * `stopping` turned true meanwhile. Throws what waiting cannot fix (login, certificate) and
   * `RelayUnreachableError` once the outage outlasted the limit.
   */
  async acquire(stopping?: () => boolean, wait = true): Promise<Conn | undefined> {
    for (;;) {
      if (this.closed) throw poolClosed();
      if (stopping?.()) return undefined;
      const outage = this.outage;
      if (outage && !wait) {
        this.scheduleProbe();
        throw Object.assign(new Error(describeOutage(outage, this.now())), {
          code: 'ECONNECTION',
          stage: 'connect',
        });
      }
      if (outage) {
        if (outageOverLimit(outage, this.now(), this.outageLimitMs)) this.giveUp();
        else {
          this.scheduleProbe();
          await this.waitForChange();
          if (!this.outage && this.givenUp === outage) throw this.givenUpError(outage);
          continue;
        }
        throw this.givenUpError(outage);
      }
      for (let c = this.idle.pop(); c; c = this.idle.pop()) {
        clearTimeout(c.idleTimer);
        if (!c.broken) return c;
        this.retire(c);
      }
      if (this.open >= this.options.maxConnections) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      this.open++;
      try {
        return await this.connect();
      } catch (err) {
        this.freeSlot();
        if (classifySmtpError(err as SmtpFailure) !== 'unreachable') throw err;
        this.noteUnreachable(err as SmtpFailure);
        if (!wait) throw err;
      }
    }
  }

  /** A new connection in the slot of one just retired (`retire(c, true)`); frees the slot on failure. */
  async reconnect(): Promise<Conn> {
    try {
      return await this.connect();
    } catch (err) {
      this.freeSlot();
      if (classifySmtpError(err as SmtpFailure) === 'unreachable') this.noteUnreachable(err as SmtpFailure);
      throw err;
    }
  }

  sendOn(c: Conn, envelope: { from: string; to: string }, raw: Buffer, dataReady: boolean): Promise<string> {
    c.messages++;
    return new Promise((resolve, reject) => {
      c.conn.sendPrepared(envelope, raw, dataReady, (err, response) => {
        if (!err) return resolve(response ?? '');
        const refused = (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') && err.responseCode !== 421;
        if (refused && !c.broken) {
          // The server refused this message; the session is fine after RSET, which is answered before
          // the lane's next message goes out.
          c.conn.reset((resetErr) => {
            if (resetErr) c.broken = true;
            reject(err);
          });
          return;
        }
        c.broken = true;
        reject(err);
      });
    });
  }

  /** Whether a lane may send its next message on `c`. */
  usable(c: Conn): boolean {
    return !c.broken && !this.closed && c.messages < this.options.maxMessages;
  }

  release(c: Conn): void {
    if (c.broken || c.messages >= this.options.maxMessages || this.closed) {
      this.retire(c);
      return;
    }
    c.idleTimer = setTimeout(() => {
      const at = this.idle.indexOf(c);
      if (at !== -1) {
        this.idle.splice(at, 1);
        this.retire(c);
      }
    }, this.options.idleMs ?? 10_000);
    c.idleTimer.unref();
    this.idle.push(c);
    this.slotWaiters.shift()?.();
  }

  /** Closes a connection; `keepSlot` when the caller opens its replacement at once (`reconnect`). */
  retire(c: Conn, keepSlot = false): void {
    clearTimeout(c.idleTimer);
    if (c.broken) c.conn.close();
    else c.conn.quit();
    if (!keepSlot) this.freeSlot();
  }

  private freeSlot(): void {
    this.open--;
    this.slotWaiters.shift()?.();
  }

  private noteUnreachable(err: SmtpFailure & { message?: string }): void {
    if (this.closed) return;
    const text = describeRelayFailure(err);
    if (this.outage) this.outage = { ...this.outage, lastError: text };
    else {
      this.outage = startOutage(this.now(), text);
      this.givenUp = undefined;
    }
    this.options.onOutage?.(this.outage, false);
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || !this.outage || this.closed) return;
    const delay = Math.max(0, this.outage.nextTryAt - this.now());
    this.probeTimer = setTimeout(() => void this.probe(), delay);
    this.probeTimer.unref();
  }

  /** One attempt to reach the relay during an outage; its connection, if any, goes to a waiting lane. */
  private async probe(): Promise<void> {
    this.open++;
    try {
      const c = await this.connect();
      this.probeTimer = undefined;
      this.endOutage();
      this.release(c);
    } catch (err) {
      this.freeSlot();
      this.probeTimer = undefined;
      if (this.closed || !this.outage) return;
      if (classifySmtpError(err as SmtpFailure) !== 'unreachable') {
        // The relay answers but refuses us (login, certificate): the lanes meet that error themselves.
        this.endOutage();
        return;
      }
      this.outage = failedProbe(this.outage, this.now(), describeRelayFailure(err as SmtpFailure));
      if (outageOverLimit(this.outage, this.now(), this.outageLimitMs)) {
        this.giveUp();
        return;
      }
      this.options.onOutage?.(this.outage, false);
      this.scheduleProbe();
    }
  }

  private endOutage(): void {
    this.outage = undefined;
    this.options.onOutage?.(undefined, false);
    this.wakeAll();
  }

  /** The outage outlasted the limit: stop probing; the lanes that waited throw, later ones start afresh. */
  private giveUp(): void {
    const outage = this.outage;
    if (!outage) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.outage = undefined;
    this.givenUp = outage;
    this.options.onOutage?.(outage, true);
    this.wakeAll();
  }

  private givenUpError(outage: RelayOutage): RelayUnreachableError {
    return new RelayUnreachableError(describeOutageLimit(outage, this.outageLimitMs));
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.outageWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, WAIT_TICK_MS);
      this.outageWaiters.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.outageWaiters]) wake();
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  /** Opens and sets up one connection (TCP or TLS, greeting, EHLO, STARTTLS, AUTH). */
  private connect(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const conn = new PreparedBodyConnection({ ...this.options.connection });
      const c: Conn = { conn, messages: 0, broken: false };
      let settled = false;
      const fail = (err: Error) => {
        c.broken = true;
        if (settled) return;
        settled = true;
        conn.close();
        // Whatever went wrong, it went wrong before any message: the classifier needs to know.
        reject(Object.assign(err, { stage: 'connect' }));
      };
      // After the set-up, errors reach the send callback; the connection is only marked unusable here.
      conn.on('error', fail);
      conn.once('end', () => {
        c.broken = true;
        if (!settled) fail(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }));
      });
      conn.connect((err?: Error | null) => {
        if (err) return fail(err);
        const auth = this.options.auth;
        if (!auth || !conn.allowsAuth) {
          settled = true;
          return resolve(c);
        }
        conn.login({ credentials: auth } as SMTPConnection.AuthenticationCredentials, (loginErr) => {
          if (loginErr) return fail(loginErr);
          settled = true;
          resolve(c);
        });
      });
    });
  }
}

/**
 * One sender's hold on a connection. `ready()` before each claim: it keeps the lane's connection
 * while it is usable and otherwise gets another (waiting out an outage).
 */
export class PoolLane {
  private current: Conn | undefined;

  constructor(private readonly pool: SmtpConnectionPool) {}

  /**
   * True once the lane holds a connection; false when `stopping` turned true while waiting. With
   * `wait` false an outage is thrown at once instead of waited out.
   */
  async ready(stopping?: () => boolean, wait = true): Promise<boolean> {
    const c = this.current;
    if (c && this.pool.usable(c)) return true;
    if (c) {
      this.current = undefined;
      this.pool.release(c);
    }
    const next = await this.pool.acquire(stopping, wait);
    this.current = next;
    return next !== undefined;
  }

  async send(envelope: { from: string; to: string }, raw: Buffer, dataReady: boolean): Promise<string> {
    if (!this.current && !(await this.ready())) throw poolClosed();
    const c = this.current!;
    try {
      return await this.pool.sendOn(c, envelope, raw, dataReady);
    } catch (err) {
      const e = err as SendFailure;
      const dropped = c.broken && !e.bodySent && !e.responseCode && TRANSIENT.has(e.code ?? '');
      if (!(c.messages > 1 && dropped)) throw err;
      // The server had dropped the connection while it sat idle: once more over a new one.
      this.current = undefined;
      this.pool.retire(c, true);
      const fresh = await this.pool.reconnect();
      this.current = fresh;
      return await this.pool.sendOn(fresh, envelope, raw, dataReady);
    }
  }

  release(): void {
    const c = this.current;
    this.current = undefined;
    if (c) this.pool.release(c);
  }
}
