export * from './pg.money';
export * from './pg.outcomes';
export * from './pg.descriptor';
export * from './pg.adapter';
export * from './pg.onetime';
export * from './pg.errors';
export * from './pg.integrity';
export * from './pg.mapper';
export * from './pg.tokens';
export * from './pg.registry';
export * from './pg-contract.module';
// Test helpers (conformance suite, sandbox drivers, dummy gateway) live in `@app/pg-contract/testing`, never here.
