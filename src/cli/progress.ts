/**
 * Progress of a long command: a bar with counts, rate and ETA on a TTY (cli-progress), plain
 * lines otherwise (no control characters when piped or in CI).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted} {detail}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const t0 = Date.now();
    return {
      update(done, total, detail = '') {
        const rate = Math.round(done / Math.max(0.001, (Date.now() - t0) / 1000));
        if (!started) {
          bar.start(total, done, { rate, detail });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { rate, detail });
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastLine = 0;
  let lastDone = -1;
  return {
    update(done, total, detail = '') {
      // A line at most every 2 s (and at the end), so logs stay readable.
      if (done === lastDone || (Date.now() - lastLine < 2000 && done < total)) return;
      lastLine = Date.now();
      lastDone = done;
      stream.write(`${label}: ${done}/${total}${detail ? ` ${detail}` : ''}\n`);
    },
    stop() {},
  };
}
