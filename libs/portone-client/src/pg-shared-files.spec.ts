import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The transport and the shape validator are duplicated in libs/portone-client and libs/toss-client (see the header
// of each file). This keeps the copies from drifting apart.
describe('files shared with libs/toss-client', () => {
  it.each(['pg-http.transport.ts', 'pg-shape.validator.ts'])('%s is identical in both libraries', (file) => {
    const here = readFileSync(join(__dirname, file), 'utf8');
    const there = readFileSync(join(__dirname, '..', '..', 'toss-client', 'src', file), 'utf8');
    expect(there).toBe(here);
  });
});
