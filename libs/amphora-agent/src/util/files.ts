import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * Write via a temporary file and rename, so readers (haproxy reload, the heartbeat, a
 * concurrent GET) never see a half-written file.
 */
export async function writeFileAtomic(file: string, data: Buffer | string, mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

/** ENOENT, or a path component that is a file (ENOTDIR): either way "no such file". */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function readFileOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

export async function removeIfExists(file: string): Promise<void> {
  await fs.rm(file, { force: true, recursive: true });
}

export async function statMtimeMs(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/**
 * Ids from URL paths become file names; refuse anything that could escape its directory.
 * Upstream only ever sends UUIDs, IPs and `<sha1>.pem` names.
 */
export function isSafePathSegment(segment: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,254}$/.test(segment) && !segment.includes('..');
}
