import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AgentPaths } from '../agent-paths';
import { VrrpCheckScripts } from './vrrp-check-scripts';

describe('VRRP HAProxy check script', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'vrrp-check-'));
  const paths = new AgentPaths(base, path.join(base, 'certs'));
  const lb = '0c9f3d4e-8a1b-4c2d-9e3f-4a5b6c7d8e9f';
  const marker = path.join(base, 'slow-path-ran');
  // The slow path records that it ran and fails, so the exit code and the marker tell which path decided.
  const scripts = new VrrpCheckScripts(paths, ['sh', '-c', `touch ${marker}; exit 1`, 'x']);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const runCheck = () => {
    rmSync(marker, { force: true });
    const r = spawnSync('sh', [paths.haproxyCheckScript]);
    return { code: r.status, slow: spawnSync('test', ['-e', marker]).status === 0 };
  };

  it('passes without starting anything while the HAProxy master of every LB is alive', async () => {
    mkdirSync(path.dirname(paths.haproxyPidFile(lb)), { recursive: true });
    writeFileSync(paths.haproxyPidFile(lb), `${process.pid}\n`);
    await scripts.refreshHaproxyCheck([paths.statsSocket(lb)], 0);
    expect(runCheck()).toEqual({ code: 0, slow: false });
  });

  it('falls back to the full socket check (which fails here) when a master is dead', async () => {
    // A pid no process has (above this host's pid_max is impossible; the top of the range is unused in practice).
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    let dead = pidMax - 1;
    while (spawnSync('kill', ['-0', String(dead)]).status === 0) dead--;
    writeFileSync(paths.haproxyPidFile(lb), `${dead}\n`);
    expect(runCheck()).toEqual({ code: 1, slow: true });
    rmSync(paths.haproxyPidFile(lb));
    expect(runCheck()).toEqual({ code: 1, slow: true });
  });

  it('fails with no load balancer at all', async () => {
    await scripts.refreshHaproxyCheck([], 0);
    expect(runCheck()).toEqual({ code: 1, slow: false });
  });
});
