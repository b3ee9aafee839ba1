/**
 * A small pool of worker threads reading DSN files ahead of the loader: parsing is CPU-bound and the database
 * writes are short, so on 2 cores two readers keep the loader fed. Results are consumed in the files' order.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../lib/config.ts';
import { DsnError, lireFichierDsn, type LectureFichier } from './reader.ts';

type Resultat = { lu: LectureFichier } | { erreur: unknown };

export interface Lecteurs {
  /** reads the files in order, at most `avance` ahead of the consumer */
  lire(files: string[]): AsyncGenerator<[string, Resultat]>;
  close(): Promise<void>;
}

/** Number of reader threads: ATMP_DSN_LECTEURS, else the available cores (capped at 4); 0 = read in-thread. */
export function nombreLecteurs(): number {
  const n = loadConfig().dsnLecteurs;
  if (n !== undefined) return Math.min(n, 16);
  return Math.min(availableParallelism(), 4);
}

export function lecteurs(n: number): Lecteurs {
  if (n <= 0) {
    return {
      async *lire(files) {
        for (const f of files) {
          try {
            yield [f, { lu: await lireFichierDsn(f) }];
          } catch (e) {
            yield [f, { erreur: e }];
          }
        }
      },
      close: async () => {},
    };
  }
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const pending = new Map<number, (r: Resultat) => void>();
  let nextId = 0;
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  for (let i = 0; i < n; i++) {
    // bounded heaps keep the peak RSS low (each reader holds one file's facts and 1 MB chunks)
    const w = new Worker(new URL('./lecteur-worker.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 16 } });
    w.on('message', (m: { id: number; lu?: LectureFichier; dsnError?: { line: number; message: string }; fatal?: { message: string; code?: string; stack?: string } }) => {
      const done = pending.get(m.id)!;
      pending.delete(m.id);
      release(w);
      if (m.lu) done({ lu: m.lu });
      else if (m.dsnError) done({ erreur: new DsnError(m.dsnError.line, m.dsnError.message) });
      else done({ erreur: Object.assign(new Error(m.fatal!.message), { code: m.fatal!.code, stack: m.fatal!.stack }) });
    });
    // a dead reader (e.g. out of memory) fails its file and every waiting one: the loader stops with an internal error
    w.on('error', (e) => {
      for (const [, done] of pending) done({ erreur: e });
      pending.clear();
      for (const wait of waiting.splice(0)) wait(w);
    });
    workers.push(w);
    idle.push(w);
  }
  const lireUn = async (path: string): Promise<Resultat> => {
    const w = idle.pop() ?? (await new Promise<Worker>((res) => waiting.push(res)));
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      w.postMessage({ id, path });
    });
  };
  return {
    async *lire(files) {
      const ahead: Promise<Resultat>[] = [];
      let next = 0;
      const fill = () => {
        while (next < files.length && ahead.length < n + 1) ahead.push(lireUn(files[next++]));
      };
      fill();
      for (let i = 0; i < files.length; i++) {
        const r = await ahead.shift()!;
        fill();
        yield [files[i], r];
      }
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
