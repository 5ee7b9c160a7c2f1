#!/usr/bin/env node
// Bundles the amphora's first-boot step into one file that needs nothing but Node.js.
//   node images/debian/bundle-firstboot.js OUTFILE
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '../..');
const outfile = path.resolve(process.argv[2] || path.join(ROOT, 'dist/amphora-firstboot.js'));
esbuild
  .build({
    entryPoints: [path.join(ROOT, 'libs/drivers/src/compute/qemu/firstboot/firstboot-cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    metafile: true,
    logLevel: 'warning',
  })
  .then((result) => {
    const packages = Object.keys(result.metafile.inputs).filter((i) => i.includes('node_modules'));
    if (packages.length) throw new Error(`first-boot bundle pulled in npm packages: ${packages.join(', ')}`);
    process.stdout.write(`first-boot step bundled: ${path.relative(process.cwd(), outfile)}\n`);
  })
  .catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
