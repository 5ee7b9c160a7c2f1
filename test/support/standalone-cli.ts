import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSTACK_BIN, assertOpenstackCliInstalled } from './cli';

/** The two lines that matter: no auth, and the API as the only endpoint. */
export function standaloneCloudsYaml(apiUrl: string): string {
  return ['clouds:', '  standalone:', '    auth_type: none', '    auth:', `      endpoint: ${apiUrl}`, ''].join('\n');
}

/** The real `openstack` CLI with a clouds.yaml naming only our API (standalone mode). */
export class StandaloneCli {
  readonly dir = mkdtempSync(join(tmpdir(), 'octavia-ts-sa-cli-'));
  private readonly env: NodeJS.ProcessEnv;

  constructor(apiUrl: string) {
    assertOpenstackCliInstalled();
    const clouds = join(this.dir, 'clouds.yaml');
    writeFileSync(clouds, standaloneCloudsYaml(apiUrl));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (k.startsWith('OS_') || k.startsWith('PYTHON') || k === 'VIRTUAL_ENV') continue;
      env[k] = v;
    }
    this.env = { ...env, PATH: '/usr/bin:/bin', HOME: this.dir, OS_CLIENT_CONFIG_FILE: clouds };
  }

  run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(OPENSTACK_BIN, ['--os-cloud', 'standalone', ...args], { env: this.env, timeout: 90_000 }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  async json(args: string[]): Promise<any> {
    const r = await this.run([...args, '-f', 'json']);
    if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
}

