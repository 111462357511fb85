/**
 * The skip reason of tests that need a tool a .ci/install-*.sh script puts under .ci/cache: none when it is
 * installed; outside CI, the script to run. Under CI (CI=true) these tests must run, so its absence is an error
 * that names the script (rather than the tests failing on a missing file), as e2e's kafkaToolsSkipReason does.
 */
export function skipUnlessInstalled(installed: boolean, what: string, script: string): string | false {
  if (installed) return false;
  if (process.env.CI === "true") throw new Error(`${what} missing under CI: run bash .ci/${script}`);
  return `${what} not installed: bash .ci/${script}`;
}
