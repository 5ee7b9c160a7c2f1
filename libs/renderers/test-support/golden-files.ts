import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Golden files live in libs/renderers/golden/; `UPDATE_GOLDEN=1` rewrites them from the renderers. */
export const GOLDEN_DIR = join(__dirname, '..', 'golden');

export function updatingGoldens(): boolean {
  return process.env.UPDATE_GOLDEN === '1';
}

/** Returns the stored golden text (after rewriting it first when UPDATE_GOLDEN=1). */
export function goldenText(fileName: string, rendered: string): string {
  const file = join(GOLDEN_DIR, fileName);
  if (updatingGoldens()) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, rendered);
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${fileName} is missing; run the spec once with UPDATE_GOLDEN=1 and review the result`);
  }
  return readFileSync(file, 'utf8');
}
