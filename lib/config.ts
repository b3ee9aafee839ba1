/** Configuration from the environment (every variable is listed in the README). */
import { resolve } from 'node:path';

export interface Config {
  /** postgres://… when set: real PostgreSQL; unset: embedded PGlite in dataDir */
  databaseUrl: string | undefined;
  /** data folder of the embedded database */
  dataDir: string;
  /** root of every output (PDFs, outbox, reports, statistics) */
  outDir: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  return {
    databaseUrl,
    dataDir: resolve(env.ATMP_DATA_DIR?.trim() || '.atmp/db'),
    outDir: resolve(env.ATMP_OUT_DIR?.trim() || 'out'),
  };
}
