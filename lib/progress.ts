/**
 * Progress of long commands on stderr: a bar on a terminal (cli-progress), a line every few seconds otherwise
 * (logs, CI; ATMP_PROGRESS_INTERVAL_MS sets the interval), nothing under ATMP_QUIET=1.
 */
import cliProgress from 'cli-progress';
import { loadConfig } from './config.ts';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function progress(label: string): Progress {
  const config = loadConfig();
  if (config.quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} ({eta_formatted})`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  // ATMP_PROGRESS_INTERVAL_MS: minimum time between two progress lines when stderr is not a terminal (default 5 s)
  const intervalle = config.progressIntervalMs;
  let last = 0;
  let lastDone = -1;
  let lastTotal = 0;
  return {
    update(done, total) {
      const now = Date.now();
      lastDone = done;
      lastTotal = total;
      if (now - last >= intervalle || done === total) {
        last = now;
        process.stderr.write(`${label} : ${done}/${total}\n`);
      }
    },
    stop() {
      if (lastDone >= 0 && lastDone !== lastTotal) process.stderr.write(`${label} : ${lastDone}/${lastTotal}\n`);
    },
  };
}
