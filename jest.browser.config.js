// Browser tests (npm run test:browser): playwright-core driving the system's Chromium against the real app. Kept out of
// `npm test` (they need a browser binary); CI runs them after the SQLite suite.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config extending the main one
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testRegex: '.*\\.browser-spec\\.ts$',
  // The servers transpile the browser TypeScript with `typescript` (CommonJS, large): loaded as is, not through swc.
  transformIgnorePatterns: [...base.transformIgnorePatterns, '/node_modules/typescript/'],
  testTimeout: 60000,
};
