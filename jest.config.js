/** Type-checking is `npm run typecheck`; jest only transpiles, which keeps the suite fast. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true } }],
  },
  // The wasm audio decoders (core/audio) ship as ES modules only; jest's CommonJS runtime needs them transpiled.
  transformIgnorePatterns: [
    '/node_modules/(?!(mpg123-decoder|ogg-opus-decoder|opus-decoder|codec-parser|simple-yenc|@wasm-audio-decoders)/)',
  ],
  testTimeout: 120000,
};
