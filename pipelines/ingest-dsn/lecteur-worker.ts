/** Worker thread: reads DSN files (parse + facts) for the loader, which writes them in order on its connection. */
import { parentPort } from 'node:worker_threads';
import { DsnError, lireFichierDsn } from './reader.ts';

parentPort!.on('message', async (job: { id: number; path: string }) => {
  try {
    parentPort!.postMessage({ id: job.id, lu: await lireFichierDsn(job.path) });
  } catch (e) {
    if (e instanceof DsnError) parentPort!.postMessage({ id: job.id, dsnError: { line: e.line, message: e.message } });
    else {
      const err = e as NodeJS.ErrnoException;
      parentPort!.postMessage({ id: job.id, fatal: { message: err.message, code: err.code, stack: err.stack } });
    }
  }
});
