/**
 * The pipeline's end-to-end suites again, on LocalStack instead of moto (`npm run test:localstack`, part of
 * `npm test`): the same tests, one LocalStack process for all of them, started on a free loopback port.
 */
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/pipeline/{pipeline,hostile,worker-process}.test.ts'],
  globalSetup: '<rootDir>/test/pipeline/localstack.global-setup.ts',
  globalTeardown: '<rootDir>/test/pipeline/localstack.global-teardown.ts',
  testEnvironmentOptions: {},
};
