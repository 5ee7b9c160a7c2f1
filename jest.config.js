// Two projects: fast unit specs beside the code, and integration/e2e tests under test/
// that use real PostgreSQL, Redis, HAProxy, keepalived and network namespaces.
const transform = { '^.+\\.ts$': ['@swc/jest'] };
module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'], transform, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'], transform, testEnvironment: 'node', testTimeout: 120000 },
  ],
};
