/**
 * Progress of a long command: a bar with counts, rate and ETA on a TTY (cli-progress), plain
 * lines otherwise (no control characters when piped, in CI or in a log file): at most one line every
 * two seconds, and always the final state on `stop()`.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../observability/send-progress.ts';

export interface Progress {
  /**
   * `when` replaces the ETA the bar would work out from its own rate, for callers that know better
   * (a send whose deliveries wait for each reader's hour: "next 07:00 Europe/Berlin (in 8 h 05 min)").
   */
  update(done: number, total: number, detail?: string, when?: string): void;
  stop(): void;
}

/** Lines at most this often when not on a TTY. */
const LINE_INTERVAL_MS = 2000;
/** The rate looks back this far, so it follows the current speed rather than the average. */
const RATE_WINDOW_MS = 10_000;

// Control characters other than tab and newline (a detail text comes from data, not from us).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const clean = (s: string) => s.replace(CONTROL, '');

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const rate = rateMeter();
  return stream.isTTY ? ttyProgress(clean(label), stream, rate) : lineProgress(clean(label), stream, rate);
}

function ttyProgress(label: string, stream: NodeJS.WriteStream, rate: RateMeter): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | {when} {detail}`,
      stream,
      hideCursor: true,
      etaBuffer: 50,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, detail = '', when) {
      const perSecond = rate.add(done);
      const payload = {
        rate: perSecond,
        detail: clean(detail),
        when: clean(when ?? etaText(done, total, perSecond)),
      };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function lineProgress(label: string, stream: NodeJS.WriteStream, rate: RateMeter): Progress {
  let lastLine = 0;
  let printed = '';
  let latest: { done: number; total: number; detail: string; when: string | undefined } | undefined;
  const line = () => {
    const { done, total, detail, when } = latest!;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    const perSecond = rate.current();
    const eta = when ?? (perSecond > 0 && done < total ? etaText(done, total, perSecond) : '');
    return `${label}: ${done}/${total} (${percent}%) ${perSecond}/s${eta ? ` ${eta}` : ''}${detail ? ` ${detail}` : ''}`;
  };
  const write = () => {
    const text = line();
    // The same numbers twice say nothing new.
    if (text === printed) return;
    printed = text;
    lastLine = Date.now();
    stream.write(`${text}\n`);
  };
  return {
    update(done, total, detail = '', when) {
      rate.add(done);
      latest = { done, total, detail: clean(detail), when: when === undefined ? undefined : clean(when) };
      if (Date.now() - lastLine >= LINE_INTERVAL_MS || done >= total) write();
    },
    stop() {
      if (latest) write();
    },
  };
}

/** "ETA 1 min 20 s" from the bar's own rate; "ETA –" before it has one. */
const etaText = (done: number, total: number, perSecond: number) =>
  `ETA ${perSecond > 0 && done < total ? formatDuration((total - done) / perSecond) : '–'}`;

interface RateMeter {
  /** Records a sample and returns the current rate. */
  add(done: number): number;
  current(): number;
}

/** Items per second over the last RATE_WINDOW_MS, from (time, done) samples. */
function rateMeter(): RateMeter {
  const samples: Array<{ at: number; done: number }> = [];
  const current = () => {
    if (samples.length < 2) return 0;
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? Math.round((last.done - first.done) / seconds) : 0;
  };
  return {
    add(done) {
      const at = Date.now();
      samples.push({ at, done });
      while (samples.length > 2 && at - samples[0]!.at > RATE_WINDOW_MS) samples.shift();
      return current();
    },
    current,
  };
}
