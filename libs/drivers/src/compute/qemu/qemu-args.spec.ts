import { randomUUID } from 'node:crypto';
import {
  amphoraIdOf,
  buildQemuArgv,
  checkBridge,
  computeIdFor,
  DEFAULT_KERNEL_ARGS,
  helperCommand,
  QemuArgumentError,
  qemuIdsFor,
  tapName,
  VmSpec,
} from './qemu-args';

function spec(over: Partial<VmSpec> = {}): VmSpec {
  return {
    name: 'amphora-1234abcd',
    accel: 'tcg',
    memoryMb: 512,
    cpus: 1,
    kernel: '/data/images/debian-x/vmlinuz',
    initrd: '/data/images/debian-x/initrd.img',
    overlay: '/data/qemu/vms/qemu-x/overlay.qcow2',
    configDrive: '/data/qemu/vms/qemu-x/config.img',
    serialLog: '/data/qemu/logs/qemu-x.serial.log',
    qmpSocket: '/data/qemu/vms/qemu-x/qmp.sock',
    pidFile: '/data/qemu/vms/qemu-x/qemu.pid',
    kernelArgs: DEFAULT_KERNEL_ARGS,
    management: { netdev: 'nmgmt', helper: '/usr/bin/python3 /x/tap-helper.py --tap tm0123456789a', mac: 'fa:16:3e:00:00:01' },
    qemuBinary: 'qemu-system-x86_64',
    ...over,
  };
}

describe('qemu argv', () => {
  it('boots the kernel directly from a qcow2 overlay with a config drive, serial file, QMP and pid file', () => {
    const argv = buildQemuArgv(spec());
    const joined = argv.join(' ');
    expect(argv[0]).toBe('qemu-system-x86_64');
    expect(joined).toContain('-machine pc,accel=tcg');
    expect(joined).toContain('-cpu qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt');
    expect(joined).toContain('-kernel /data/images/debian-x/vmlinuz');
    expect(joined).toContain('-initrd /data/images/debian-x/initrd.img');
    expect(joined).toContain('file=/data/qemu/vms/qemu-x/overlay.qcow2,if=virtio,format=qcow2');
    expect(joined).toContain('file=/data/qemu/vms/qemu-x/config.img,if=virtio,format=raw,readonly=on');
    expect(joined).toContain('virtio-net-pci,netdev=nmgmt,mac=fa:16:3e:00:00:01,id=mgmt0');
    expect(joined).toContain('path=/data/qemu/logs/qemu-x.serial.log,append=on');
    expect(joined).toContain('unix:/data/qemu/vms/qemu-x/qmp.sock,server=on,wait=off');
    expect(argv).toContain('-daemonize');
    expect(argv[argv.indexOf('-append') + 1]).toBe(DEFAULT_KERNEL_ARGS);
  });

  it('uses the host CPU under KVM', () => {
    expect(buildQemuArgv(spec({ accel: 'kvm' })).join(' ')).toContain('-machine pc,accel=kvm -cpu host');
  });

  it.each([
    ['a comma in a path (QEMU option injection)', { overlay: '/data/x.qcow2,readonly=off' }],
    ['a relative path', { kernel: 'vmlinuz' }],
    ['a space in a path', { serialLog: '/data/a b.log' }],
    ['a comma in the helper', { management: { netdev: 'n', helper: '/bin/x,script=/tmp/evil', mac: 'fa:16:3e:00:00:01' } }],
    ['a bad MAC', { management: { netdev: 'n', helper: '/bin/x', mac: 'fa:16:3e:00:00:01,id=x' } }],
    ['a shell character in kernel args', { kernelArgs: 'root=/dev/vda; reboot' }],
    ['too little memory', { memoryMb: 16 }],
  ])('refuses %s', (_n, over) => {
    expect(() => buildQemuArgv(spec(over as Partial<VmSpec>))).toThrow(QemuArgumentError);
  });
});

describe('names', () => {
  it('derives the compute id from the amphora id and back', () => {
    const id = randomUUID();
    expect(computeIdFor(id.toUpperCase())).toBe(`qemu-${id}`);
    expect(amphoraIdOf(`qemu-${id}`)).toBe(id);
    expect(amphoraIdOf('qemu-../../etc')).toBeNull();
    expect(amphoraIdOf(id)).toBeNull();
    expect(() => computeIdFor('not-a-uuid')).toThrow(QemuArgumentError);
  });

  it('makes TAP names of at most 15 characters, distinct per VM and port', () => {
    const a = computeIdFor(randomUUID());
    const b = computeIdFor(randomUUID());
    const names = [tapName(a, null), tapName(a, 'p1'), tapName(a, 'p2'), tapName(b, null), tapName(b, 'p1')];
    expect(new Set(names).size).toBe(5);
    for (const n of names) expect(n).toMatch(/^t[mp][0-9a-f]{11}$/);
    expect(tapName(a, 'p1')).toBe(tapName(a, 'p1'));
  });

  it('makes QEMU ids that QEMU accepts (start with a letter)', () => {
    const ids = qemuIdsFor(randomUUID());
    expect(ids.netdev).toMatch(/^np[0-9a-f]{16}$/);
    expect(ids.device).toMatch(/^dp[0-9a-f]{16}$/);
  });

  it('enters the bridge namespace in the helper command and validates every piece', () => {
    expect(helperCommand('/opt/h.py', '/usr/bin/python3', 'tp0', null)).toBe('/usr/bin/python3 /opt/h.py --tap tp0');
    expect(helperCommand('/opt/h.py', '/usr/bin/python3', 'tp0', 'octavia-net')).toBe(
      '/usr/bin/env ip netns exec octavia-net /usr/bin/python3 /opt/h.py --tap tp0',
    );
    expect(() => helperCommand('/opt/h.py', '/usr/bin/python3', 'tp0;reboot', null)).toThrow(QemuArgumentError);
    expect(() => helperCommand('/opt/h.py', '/usr/bin/python3', 'tp0', 'ns $(reboot)')).toThrow(QemuArgumentError);
    expect(() => checkBridge({ namespace: null, bridge: 'br0 master x' })).toThrow(QemuArgumentError);
    expect(() => checkBridge({ namespace: null, bridge: 'a-very-long-bridge-name' })).toThrow(QemuArgumentError);
  });
});
