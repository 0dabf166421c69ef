/** Type-checking is `npm run typecheck`; jest only transpiles, which keeps the suite fast. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true } }],
  },
  testTimeout: 120000,
};
