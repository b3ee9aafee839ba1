/**
 * Fault injection for the crash tests: when ATMP_TEST_ARRET names a point, the process kills itself there with
 * SIGKILL (no cleanup, no rollback sent), exactly like a `kill -9` arriving at that instant. Unset in production.
 */
export function pointArret(point: string): void {
  if (process.env.ATMP_TEST_ARRET === point) process.kill(process.pid, 'SIGKILL');
}
