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
const libs = ['pg-contract', 'pg-sandbox', 'toss-client', 'portone-client'];
module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  roots: ['<rootDir>/src', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // Only ESM packages need compiling; CommonJS ones are loaded as they are.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|nestjs-pino|@fastify|fastify-plugin)/)'],
  moduleNameMapper: Object.fromEntries(
    libs.flatMap((l) => [
      [`^@app/${l}$`, `<rootDir>/libs/${l}/src`],
      [`^@app/${l}/(.*)$`, `<rootDir>/libs/${l}/src/$1`],
    ]),
  ),
  testTimeout: 30000,
};
