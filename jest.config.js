// Nest 12 packages are ESM-only and Jest cannot require(esm) before Node 24.9, so swc compiles our
// TypeScript and those ESM dependencies to CommonJS (swc keeps the decorator metadata Nest DI needs).
// Type checking is `npm run typecheck` (tsc), not the test transform.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const libs = ['pg-contract', 'pg-http', 'pg-sandbox', 'toss-client', 'portone-client'];
module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  roots: ['<rootDir>/src', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // Many dependencies (and their dependencies) ship ESM only; swc compiles whatever is ESM. CommonJS files pass
  // through it unchanged apart from strict mode, and the result is cached between runs.
  transformIgnorePatterns: [
    '/node_modules/(typeorm|pg|pg-[a-z-]+|better-sqlite3|prom-client|pino|pino-[a-z-]+|fastify|@swc|jest[a-z-]*|@jest|rxjs|class-validator|libphonenumber-js|validator)/',
  ],
  moduleNameMapper: Object.fromEntries(
    libs.flatMap((l) => [
      [`^@app/${l}$`, `<rootDir>/libs/${l}/src`],
      [`^@app/${l}/(.*)$`, `<rootDir>/libs/${l}/src/$1`],
    ]),
  ),
  testTimeout: 30000,
};
