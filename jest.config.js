// Two projects: fast unit specs beside the code, and integration/e2e tests under test/
// that use real PostgreSQL, Redis, HAProxy, keepalived and network namespaces.
// Run one area with a path pattern first: `npx jest test/api --selectProjects integration`.
const transform = { '^.+\\.ts$': ['@swc/jest'] };
process.env.TZ = 'UTC';
module.exports = {
  testTimeout: 120000,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'], transform, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'], transform, testEnvironment: 'node' },
  ],
};
