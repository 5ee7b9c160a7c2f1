import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../../common/src';
import { createComputeDriver } from './factory';

describe('compute driver factory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'factory-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function config(ini: string) {
    const file = path.join(dir, 'octavia.conf');
    writeFileSync(file, ini);
    return loadConfig({ OCTAVIA_TS_CONFIG_FILE: file, OCTAVIA_TS_DATA_DIR: dir });
  }

  it('builds the qemu driver from [qemu]', async () => {
    const c = config('[controller_worker]\ncompute_driver = qemu\n[qemu]\nimage_dir = /srv/images\nmemory_mb = 768\naccel = tcg\n');
    expect(c.worker.computeDriver).toBe('qemu');
    expect(c.qemu).toEqual({ imageDir: '/srv/images', image: 'debian-current', memoryMb: 768, cpus: 1, accel: 'tcg', bootTimeoutSeconds: 600 });
    const d = await createComputeDriver('qemu', c);
    expect(d.name).toBe('qemu');
    // The worker renders PUT /1.0/config with the image's own paths.
    expect((d as unknown as { agentPathsFor(a: string, ip: string): Record<string, string> }).agentPathsFor('x', '172.31.0.5')).toMatchObject({
      basePath: '/var/lib/octavia', serverCert: '/etc/octavia/certs/server.pem', bindHost: '172.31.0.5', platform: 'systemd',
    });
  });

  it('defaults the image dir below the data dir and validates [qemu]', () => {
    expect(config('').qemu.imageDir).toBe(`${dir}/images`);
    expect(() => config('[qemu]\naccel = hvf\n')).toThrow(ConfigError);
    expect(() => config('[qemu]\nimage = ../../etc\n')).toThrow(ConfigError);
    expect(() => config('[qemu]\nmemory_mb = 64\n')).toThrow(ConfigError);
  });

  it('builds the ssh driver from a devices file and refuses a missing or bad one', async () => {
    await expect(createComputeDriver('ssh', config(''))).rejects.toThrow(/devices_file is required/);
    const devices = path.join(dir, 'devices.json');
    writeFileSync(devices, JSON.stringify([{ name: 'edge1', host: '10.0.0.2', privateKeyFile: '/k' }]));
    expect((await createComputeDriver('ssh', config(`[ssh]\ndevices_file = ${devices}\n`))).name).toBe('ssh');
    writeFileSync(devices, JSON.stringify([{ name: 'edge 1', host: '10.0.0.2', privateKeyFile: '/k' }]));
    await expect(createComputeDriver('ssh', config(`[ssh]\ndevices_file = ${devices}\n`))).rejects.toThrow(/device name/);
    writeFileSync(devices, '{');
    await expect(createComputeDriver('ssh', config(`[ssh]\ndevices_file = ${devices}\n`))).rejects.toThrow(ConfigError);
  });

  it('knows netns and noop and refuses unknown names', async () => {
    expect((await createComputeDriver('noop', config(''))).name).toBe('noop');
    expect((await createComputeDriver('netns', config(''))).name).toBe('netns');
    await expect(createComputeDriver('nova', config(''))).rejects.toThrow(/compute_driver must be one of/);
  });
});
