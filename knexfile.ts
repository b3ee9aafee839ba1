/**
 * knex configuration, for operators who use the knex CLI against a real PostgreSQL. atmp itself never needs it:
 * every command opens the database through lib/db.ts (PGlite when DATABASE_URL is unset) and applies the SQL
 * migrations of sql/migrations (see `atmp db migrate`).
 */
import type { Knex } from 'knex';

const config: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 4 },
};

export default config;
