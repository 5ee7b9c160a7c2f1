// Lets `node -r ./scripts/swc-register.js file.ts` run TypeScript sources directly (tests spawn services this way).
const { transformSync } = require('@swc/core');
const fs = require('node:fs');
const path = require('node:path');
const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '.swcrc'), 'utf8'));
delete swcrc.$schema;
require.extensions['.ts'] = function registerTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...swcrc, filename, swcrc: false, configFile: false });
  module._compile(code, filename);
};
