/**
 * One health manager in its own process for the race test: it scans as fast as it can for a few seconds,
 * then prints the amphorae it claimed as JSON and exits. Usage: race-manager.ts <db-url> <manager-id> <start-at-epoch-ms> <ms>
 */
import { JsonLogger, loadConfig } from '../../libs/common/src';
import { startHealthManager } from '../../apps/health-manager/src/main';

async function main(): Promise<void> {
  const [url, managerId, startAt, ms] = process.argv.slice(2);
  const base = loadConfig({ OCTAVIA_TS_DATABASE_URL: url });
  const config = { ...base, healthManager: { ...base.healthManager, bindPort: 0, failoverThreshold: null, failoverThreads: 1000, heartbeatKey: 'race' } };
  const hm = await startHealthManager(config, {
    managerId,
    statusPort: null,
    scanTimer: false,
    housekeepingTimer: false,
    startupGraceMs: 0,
    logger: new JsonLogger('race', 'error'),
    dispatcher: { dispatch: async () => undefined },
  });
  const claimed: string[] = [];
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  const until = Date.now() + Number(ms);
  while (Date.now() < until) {
    const r = await hm.scanNow();
    for (const c of r?.claimed ?? []) claimed.push(c.amphoraId);
  }
  await hm.stop();
  process.stdout.write(`${JSON.stringify({ managerId, claimed })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
