import { mkdtempSync, promises as fs, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AgentPaths } from '../agent-paths';
import { ProcdProcessControl } from './procd-process.control';
import { RecordingRunner } from './recording-runner';
import { SystemdProcessControl } from './systemd-process.control';

const LB = '11111111-1111-4111-8111-111111111111';
const paths = new AgentPaths('/var/lib/octavia', '/var/lib/octavia/certs');
const haproxy = paths.haproxyService(LB, 'OtSsHX5R14GDX1WxrLExdKYgExA');
const vrrp = paths.vrrpService();
const cmds = { haproxyCmd: '/usr/sbin/haproxy', keepalivedCmd: '/usr/sbin/keepalived' };

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'aa-platform-'));
}

describe('SystemdProcessControl', () => {
  const make = (runner: RecordingRunner, unitDir = tmp()) =>
    new SystemdProcessControl(runner, { ...cmds, unitDir, namespace: 'amphora-haproxy', ipCmd: '/sbin/ip', administrativeLogFacility: 1 });

  it('renders an HAProxy unit that runs master-worker in the namespace and reloads with USR2 after a check', () => {
    const unit = make(new RecordingRunner()).renderUnit(haproxy);
    expect(unit).toContain('Type=notify');
    expect(unit).toContain('Requires=amphora-netns.service');
    expect(unit).toContain(
      `ExecStart=/sbin/ip netns exec amphora-haproxy /usr/sbin/haproxy -Ws -S /var/lib/octavia/${LB}/haproxy-master.sock,mode,600 -p /var/lib/octavia/${LB}/${LB}.pid -f /var/lib/octavia/${LB}/haproxy.cfg -f /var/lib/octavia/haproxy-default-user-group.conf -L OtSsHX5R14GDX1WxrLExdKYgExA`,
    );
    expect(unit).toContain(
      `ExecReload=/usr/sbin/haproxy -c -f /var/lib/octavia/${LB}/haproxy.cfg -f /var/lib/octavia/haproxy-default-user-group.conf -L OtSsHX5R14GDX1WxrLExdKYgExA\nExecReload=/bin/kill -USR2 $MAINPID`,
    );
    expect(unit).toContain('KillMode=mixed');
    expect(unit).toContain('LimitNOFILE=2600000');
  });

  it('renders a forking keepalived unit with all three pid files', () => {
    const unit = make(new RecordingRunner()).renderUnit(vrrp);
    expect(unit).toContain('Type=forking');
    expect(unit).toContain(
      'ExecStart=/sbin/ip netns exec amphora-haproxy /usr/sbin/keepalived --log-facility=1 -f /var/lib/octavia/vrrp/octavia-keepalived.conf -p /var/lib/octavia/vrrp/octavia-keepalived.pid -r /var/lib/octavia/vrrp/octavia-keepalived.vrrp.pid -c /var/lib/octavia/vrrp/octavia-keepalived.check.pid',
    );
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID');
  });

  it('installs units once, enables them and reloads systemd once, only on change', async () => {
    const runner = new RecordingRunner();
    const dir = tmp();
    const control = make(runner, dir);
    expect(await control.install(haproxy)).toMatchObject({ ok: true });
    expect(runner.commands()).toEqual([
      'systemctl enable --no-reload amphora-netns.service',
      `systemctl enable --no-reload haproxy-${LB}.service`,
      'systemctl daemon-reload',
    ]);
    expect(statSync(path.join(dir, `haproxy-${LB}.service`)).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(dir, 'amphora-netns.service'), 'utf8')).toContain('ExecStart=-/sbin/ip netns add amphora-haproxy');
    runner.calls.length = 0;
    await control.install(haproxy);
    expect(runner.commands()).not.toContain('systemctl daemon-reload');
    await control.uninstall(haproxy);
    await expect(fs.access(path.join(dir, `haproxy-${LB}.service`))).rejects.toThrow();
    expect(runner.commands()).toContain(`systemctl disable haproxy-${LB}.service`);
  });

  it('reports a failed enable', async () => {
    const runner = new RecordingRunner((argv) => (argv[1] === 'enable' && argv[3] !== 'amphora-netns.service' ? { code: 1, stderr: 'boom' } : {}));
    expect(await make(runner).install(haproxy)).toEqual({ ok: false, output: 'boom' });
  });

  it('turns reload of a stopped service into start and tolerates a running job', async () => {
    const runner = new RecordingRunner((argv) => (argv[1] === 'stop' ? { code: 1, stderr: 'Job is already running' } : {}));
    const control = make(runner);
    expect(await control.control(haproxy, 'reload')).toMatchObject({ ok: true });
    expect(runner.commands()).toEqual([`systemctl start haproxy-${LB}.service`]);
    expect(await control.control(haproxy, 'stop')).toMatchObject({ ok: true });
    const failing = make(new RecordingRunner(() => ({ code: 1, stderr: 'Unit failed' })));
    expect(await failing.control(vrrp, 'start')).toEqual({ ok: false, output: 'Unit failed' });
  });
});

describe('ProcdProcessControl', () => {
  it('writes an executable rc.common script running HAProxy in the foreground and enables it', async () => {
    const runner = new RecordingRunner();
    const dir = tmp();
    const control = new ProcdProcessControl(runner, { ...cmds, initDir: dir });
    expect(await control.install(haproxy)).toMatchObject({ ok: true });
    const file = path.join(dir, `haproxy-${LB}`);
    const script = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o755);
    expect(script.startsWith('#!/bin/sh /etc/rc.common\n')).toBe(true);
    expect(script).toContain('USE_PROCD=1');
    expect(script).toContain(`procd_set_param command /usr/sbin/haproxy -W -db -S /var/lib/octavia/${LB}/haproxy-master.sock,mode,600`);
    expect(script).toContain('procd_set_param respawn');
    expect(script).toMatch(/reload_service\(\) \{\n\t\/usr\/sbin\/haproxy -c .* \|\| return 1\n\tkill -USR2 "\$\(cat \/var\/lib\/octavia\/.*\.pid\)"\n\}/);
    expect(runner.commands()).toEqual([`${file} enable`]);
  });

  it('runs keepalived with -n and calls the init script for actions', async () => {
    const runner = new RecordingRunner();
    const dir = tmp();
    const control = new ProcdProcessControl(runner, { ...cmds, initDir: dir });
    expect(control.renderInitScript(vrrp)).toContain('procd_set_param command /usr/sbin/keepalived -n -f /var/lib/octavia/vrrp/octavia-keepalived.conf');
    await control.control(vrrp, 'reload'); // not running → start
    await control.control(vrrp, 'stop');
    expect(runner.commands()).toEqual([`${dir}/octavia-keepalived start`, `${dir}/octavia-keepalived stop`]);
    await control.uninstall(vrrp);
    expect(runner.commands()).toContain(`${dir}/octavia-keepalived disable`);
  });
});
