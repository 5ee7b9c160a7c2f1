import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AmphoraBootConfig, CONFIG_DRIVE_LABEL, validateBootConfig, validatePem } from './amphora-config';
import { exec } from './host';

/**
 * The config drive: a 2 MiB vfat image labelled AMPHORA-CFG holding amphora.json, server.pem and
 * client_ca.pem, built with mkfs.vfat + mcopy (no loop mount). Read by the image's first-boot step.
 */
export async function writeConfigDrive(
  file: string,
  config: AmphoraBootConfig,
  serverPem: string,
  clientCaPem: string,
): Promise<void> {
  const doc = validateBootConfig(config);
  validatePem(serverPem, 'server certificate', true);
  validatePem(clientCaPem, 'client CA', false);
  const staging = `${file}.d`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(path.join(staging, 'amphora.json'), `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    await fs.writeFile(path.join(staging, 'server.pem'), serverPem, { mode: 0o600 });
    await fs.writeFile(path.join(staging, 'client_ca.pem'), clientCaPem, { mode: 0o600 });
    await fs.rm(file, { force: true });
    await exec(['mkfs.vfat', '-C', '-n', CONFIG_DRIVE_LABEL, file, '2048']);
    await fs.chmod(file, 0o600);
    for (const name of ['amphora.json', 'server.pem', 'client_ca.pem']) {
      await exec(['mcopy', '-o', '-i', file, path.join(staging, name), `::/${name}`]);
    }
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Reads a file back out of a config drive (tests, diagnostics). */
export async function readConfigDriveFile(file: string, name: string): Promise<string> {
  return exec(['mtype', '-i', file, `::/${name}`]);
}
