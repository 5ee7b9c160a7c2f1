import { readFileSync } from 'node:fs';
import { ConfigError, JsonLogger, OctaviaConfig } from '../../../common/src';
import { ComputeDriver } from './compute-driver';
import { QemuComputeDriver } from './qemu/qemu.compute-driver';
import { SshComputeDriver } from './ssh/ssh.compute-driver';
import { SshDevice } from './ssh/install-plan';

export const COMPUTE_DRIVERS = ['netns', 'qemu', 'ssh', 'noop'] as const;

/**
 * `[controller_worker] compute_driver` → a driver. The worker builds netns and noop itself and asks
 * here for the others; every name is accepted here so callers can use one entry point.
 */
export async function createComputeDriver(name: string, config: OctaviaConfig, logger?: JsonLogger): Promise<ComputeDriver> {
  switch (name) {
    case 'qemu': {
      const q = config.qemu;
      return new QemuComputeDriver({
        dataDir: config.dataDir,
        imageDir: q.imageDir,
        image: q.image,
        memoryMb: q.memoryMb,
        cpus: q.cpus,
        accel: q.accel,
        bootTimeoutMs: q.bootTimeoutSeconds * 1000,
        logger: logger ?? new JsonLogger('compute-qemu'),
      });
    }
    case 'ssh': {
      const s = config.ssh;
      if (!s.devicesFile) throw new ConfigError('[ssh] devices_file is required with compute_driver = ssh');
      let devices: SshDevice[];
      try {
        devices = JSON.parse(readFileSync(s.devicesFile, 'utf8')) as SshDevice[];
      } catch (err) {
        throw new ConfigError(`[ssh] devices_file ${s.devicesFile}: ${(err as Error).message}`);
      }
      if (!Array.isArray(devices)) throw new ConfigError(`[ssh] devices_file ${s.devicesFile} must hold a JSON array of devices`);
      return new SshComputeDriver({
        devices,
        knownHostsFile: s.knownHostsFile,
        dataDir: config.dataDir,
        agentBundle: config.worker.agentBundle,
        readyTimeoutMs: s.readyTimeoutSeconds * 1000,
        logger: logger ?? new JsonLogger('compute-ssh'),
      });
    }
    case 'netns': {
      const { NetnsComputeDriver } = await import('./netns.driver');
      const w = config.worker;
      return new NetnsComputeDriver({ stateDir: w.amphoraStateDir, agentBundle: w.agentBundle, bridgeNamespace: w.local.namespace });
    }
    case 'noop': {
      const { NoopComputeDriver } = await import('./noop.driver');
      return new NoopComputeDriver();
    }
    default:
      throw new ConfigError(`[controller_worker] compute_driver must be one of ${COMPUTE_DRIVERS.join(', ')}, got "${name}"`);
  }
}
