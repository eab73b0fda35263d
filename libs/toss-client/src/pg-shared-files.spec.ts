import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The transport and the shape validator are duplicated in libs/toss-client and libs/portone-client (see the header
// of each file). This keeps the copies from drifting apart.
describe('files shared with libs/portone-client', () => {
  it.each(['pg-http.transport.ts', 'pg-shape.validator.ts'])('%s is identical in both libraries', (file) => {
    const here = readFileSync(join(__dirname, file), 'utf8');
    const there = readFileSync(join(__dirname, '..', '..', 'portone-client', 'src', file), 'utf8');
    expect(there).toBe(here);
  });
});
