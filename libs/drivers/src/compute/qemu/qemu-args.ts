import { createHash } from 'node:crypto';
import { BridgeLocation } from '../compute-driver';

/** Names that reach `ip`, QEMU option strings and the helper's `sh -c` line: checked, never quoted around. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const NSNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class QemuArgumentError extends Error {}

export function checkIfName(name: string, what: string): string {
  if (!IFNAME.test(name)) throw new QemuArgumentError(`${what} "${name}" is not a valid interface name`);
  return name;
}

export function checkBridge(loc: BridgeLocation): BridgeLocation {
  checkIfName(loc.bridge, 'bridge');
  if (loc.namespace !== null && !NSNAME.test(loc.namespace)) throw new QemuArgumentError(`namespace "${loc.namespace}" is not valid`);
  return loc;
}

export function checkPath(p: string, what: string): string {
  if (!SAFE_PATH.test(p)) throw new QemuArgumentError(`${what} "${p}" must be an absolute path of [A-Za-z0-9._/+-]`);
  return p;
}

/** compute id = `qemu-<amphora uuid>`; the only form the driver accepts back. */
export function computeIdFor(amphoraId: string): string {
  const id = amphoraId.toLowerCase();
  if (!UUID.test(id)) throw new QemuArgumentError(`amphora id "${amphoraId}" is not a UUID`);
  return `qemu-${id}`;
}

export function amphoraIdOf(computeId: string): string | null {
  const m = /^qemu-([0-9a-f-]{36})$/.exec(computeId);
  return m && UUID.test(m[1]) ? m[1] : null;
}

/** TAP names: 15 characters at most, unique per (VM, port); `tm…` management, `tp…` ports. */
export function tapName(computeId: string, portId: string | null): string {
  const h = createHash('sha256').update(`${computeId}/${portId ?? 'management'}`).digest('hex');
  return portId === null ? `tm${h.slice(0, 11)}` : `tp${h.slice(0, 11)}`;
}

/** QEMU ids for a port's netdev/device (letters, digits, -, _ and ., starting with a letter). */
export function qemuIdsFor(portId: string): { netdev: string; device: string } {
  const h = createHash('sha256').update(portId).digest('hex').slice(0, 16);
  return { netdev: `np${h}`, device: `dp${h}` };
}

/** `helper=` for `-netdev bridge`: our TAP helper, entered into the bridge's namespace when it has one. */
export function helperCommand(helperScript: string, python: string, tap: string, namespace: string | null): string {
  checkPath(helperScript, 'helper');
  checkPath(python, 'python');
  checkIfName(tap, 'tap');
  const base = `${python} ${helperScript} --tap ${tap}`;
  if (namespace === null) return base;
  if (!NSNAME.test(namespace)) throw new QemuArgumentError(`namespace "${namespace}" is not valid`);
  return `/usr/bin/env ip netns exec ${namespace} ${base}`;
}

export interface VmSpec {
  name: string;
  accel: 'kvm' | 'tcg';
  memoryMb: number;
  cpus: number;
  kernel: string;
  initrd: string;
  overlay: string;
  configDrive: string;
  serialLog: string;
  qmpSocket: string;
  pidFile: string;
  kernelArgs: string;
  management: { netdev: string; helper: string; mac: string };
  qemuBinary: string;
}

/**
 * The CPU TCG emulates: x86-64-v2 (SSE4.2, POPCNT), no AVX. With `-cpu max` glibc, OpenSSL and V8 pick their AVX2
 * code, which TCG emulates more slowly than the SSE paths: boot → agent listening was 0.8 s longer (7.6 s against
 * 6.6 s, mean of four interleaved boots each on the development machine).
 */
export const TCG_CPU = 'qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt';

/** The qemu-system-x86_64 argv for one amphora (direct kernel boot, virtio everywhere, daemonized). */
export function buildQemuArgv(s: VmSpec): string[] {
  for (const [what, p] of [
    ['kernel', s.kernel],
    ['initrd', s.initrd],
    ['overlay', s.overlay],
    ['config drive', s.configDrive],
    ['serial log', s.serialLog],
    ['QMP socket', s.qmpSocket],
    ['pid file', s.pidFile],
  ] as const) {
    checkPath(p, what);
  }
  if (!/^[A-Za-z0-9_.=/ ,:-]*$/.test(s.kernelArgs)) throw new QemuArgumentError('kernel arguments hold characters outside [A-Za-z0-9_.=/ ,:-]');
  if (s.management.helper.includes(',')) throw new QemuArgumentError('helper command must not contain commas');
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(s.management.mac)) throw new QemuArgumentError(`MAC "${s.management.mac}" is not valid`);
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,62}$/.test(s.name)) throw new QemuArgumentError(`VM name "${s.name}" is not valid`);
  if (!Number.isInteger(s.memoryMb) || s.memoryMb < 128 || s.memoryMb > 65536) throw new QemuArgumentError('memory_mb must be 128..65536');
  if (!Number.isInteger(s.cpus) || s.cpus < 1 || s.cpus > 64) throw new QemuArgumentError('cpus must be 1..64');
  return [
    s.qemuBinary,
    '-name', `${s.name},process=${s.name}`,
    '-machine', `pc,accel=${s.accel}`,
    ...(s.accel === 'kvm' ? ['-cpu', 'host'] : ['-cpu', TCG_CPU]),
    '-m', String(s.memoryMb),
    '-smp', String(s.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-kernel', s.kernel,
    '-initrd', s.initrd,
    '-append', s.kernelArgs,
    '-drive', `file=${s.overlay},if=virtio,format=qcow2,discard=unmap`,
    '-drive', `file=${s.configDrive},if=virtio,format=raw,readonly=on`,
    '-netdev', `bridge,id=${s.management.netdev},br=mgmt,helper=${s.management.helper}`,
    '-device', `virtio-net-pci,netdev=${s.management.netdev},mac=${s.management.mac},id=mgmt0`,
    '-device', 'virtio-rng-pci',
    '-chardev', `file,id=serial0,path=${s.serialLog},append=on`,
    '-serial', 'chardev:serial0',
    '-qmp', `unix:${s.qmpSocket},server=on,wait=off`,
    '-pidfile', s.pidFile,
    '-daemonize',
  ];
}

/**
 * `net.ifnames=0`: hot-plugged NICs keep their kernel name (eth1, eth2 …). With predictable names udev renames
 * a new link (eth0 → ens4) while the agent is moving it into the amphora-haproxy namespace by MAC, and the
 * VIP plug fails with "Cannot find device" (seen under CI load).
 */
export const DEFAULT_KERNEL_ARGS = 'root=/dev/vda rw console=ttyS0,115200 panic=-1 loglevel=5 systemd.show_status=1 rootwait net.ifnames=0';
