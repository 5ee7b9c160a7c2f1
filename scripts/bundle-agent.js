#!/usr/bin/env node
// Bundles the amphora agent (libs/amphora-agent/src/main.ts) into one self-contained file that
// needs nothing but Node.js on the amphora: `dist/amphora-agent.js` by default.
//   node scripts/bundle-agent.js [--outfile PATH] [--vm]
// --vm: the Debian image's agent, which also runs the first-boot step (`--firstboot`) in its own process
// (libs/drivers/src/compute/qemu/firstboot/vm-agent.ts).
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'libs/amphora-agent/src/main.ts');
const VM_ENTRY = path.join(ROOT, 'libs/drivers/src/compute/qemu/firstboot/vm-agent.ts');
const DEFAULT_OUTFILE = path.join(ROOT, 'dist/amphora-agent.js');

async function bundleAgent({ outfile = DEFAULT_OUTFILE, minify = false, vm = false } = {}) {
  const result = await esbuild.build({
    entryPoints: [vm ? VM_ENTRY : ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    minify,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    metafile: true,
    logLevel: 'warning',
  });
  // The agent must run on a bare image: no npm packages may end up inside.
  const packages = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules'));
  if (packages.length > 0) {
    throw new Error(`amphora agent bundle pulled in npm packages: ${packages.join(', ')}`);
  }
  fs.chmodSync(outfile, 0o755);
  return outfile;
}

module.exports = { bundleAgent, DEFAULT_OUTFILE };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outfile');
  const outfile = at >= 0 ? path.resolve(args[at + 1]) : DEFAULT_OUTFILE;
  bundleAgent({ outfile, vm: args.includes('--vm') }).then(
    (file) => process.stdout.write(`amphora agent bundled: ${path.relative(process.cwd(), file)}\n`),
    (err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
