// Folder-level cycle check for `npm run lint`. ESLint's import-x/no-cycle catches cycles between files; this catches
// cycles between the top-level folders of src/ and libs/* (charges -> subscriptions -> charges through different
// files), which leave the folder graph tangled even when no file cycle exists. dependency-cruiser resolves the imports
// (tsconfig paths included); the folder graph and its strongly connected components are built here because its own
// folder-scope rules treat every nested folder as a node of its own.
//
// Usage: node scripts/check-folder-cycles.mjs [--graph] [--why]   (exit 1 and the cycles listed when there is one)
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOTS = ['src', 'libs'];
// Specs may reach across folders to build fixtures; the folder graph is the one production code has.
const EXCLUDE = '(\\.spec|\\.e2e-spec)\\.ts$|/testing/vendor/';

// Registries that import every feature by design, like app.module.ts: each is a node of its own, not part of its
// folder, so the folder keeps only what features may import (columns, bulk writes).
const COMPOSITION_ROOTS = new Set(['src/database/entities.ts', 'src/database/database.options.ts']);

/** `src/charges/dto/x.ts` -> `src/charges`; `libs/pg-contract/src/y.ts` -> `libs/pg-contract`; files at a root stay. */
export function folderOf(path) {
  const parts = path.split('/');
  if (!ROOTS.includes(parts[0])) return undefined;
  if (parts.length < 3 || COMPOSITION_ROOTS.has(path)) return path;
  return `${parts[0]}/${parts[1]}`;
}

/** Tarjan's strongly connected components of `graph` (Map of node -> Set of nodes) with more than one node. */
export function cyclesOf(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

const say = (line) => process.stdout.write(`${line}\n`);
const complain = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const tsConfig = extractTSConfig('tsconfig.json');
  const result = await cruise(
    ROOTS,
    {
      exclude: { path: EXCLUDE },
      doNotFollow: { path: 'node_modules' },
      tsConfig: { fileName: 'tsconfig.json' },
      tsPreCompilationDeps: true,
    },
    undefined,
    { tsConfig },
  );
  // An import it could not resolve is an edge it cannot see: refuse to pass rather than miss a cycle.
  const unresolved = result.output.modules.flatMap((mod) =>
    mod.dependencies
      .filter((dep) => dep.couldNotResolve && /^(\.|@app\/)/.test(dep.module))
      .map((dep) => `${mod.source} -> ${dep.module}`),
  );
  if (unresolved.length) {
    for (const line of unresolved) complain(`unresolved import: ${line}`);
    process.exitCode = 1;
    return;
  }
  const graph = new Map();
  const examples = new Map();
  for (const mod of result.output.modules) {
    const from = folderOf(mod.source);
    if (!from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const dep of mod.dependencies) {
      const to = folderOf(dep.resolved);
      if (!to || to === from || dep.coreModule) continue;
      graph.get(from).add(to);
      const key = `${from} -> ${to}`;
      examples.set(key, [...(examples.get(key) ?? []), `${mod.source} -> ${dep.resolved}`]);
    }
  }
  if (process.argv.includes('--graph')) {
    for (const [from, tos] of [...graph].sort()) say(`${from} -> ${[...tos].sort().join(', ')}`);
  }
  const cycles = cyclesOf(graph);
  if (cycles.length === 0) {
    say(`folder cycles: none (${graph.size} folders and root files under ${ROOTS.join(', ')})`);
    return;
  }
  complain(`folder cycles: ${cycles.length}`);
  for (const scc of cycles) {
    complain(`- ${scc.join(' <-> ')}`);
    for (const from of scc)
      for (const to of scc) {
        const files = examples.get(`${from} -> ${to}`) ?? [];
        // One file edge per folder edge is enough to find it; --why lists them all.
        for (const file of process.argv.includes('--why') ? files : files.slice(0, 1))
          complain(`    ${from} -> ${to}: ${file}`);
      }
  }
  process.exitCode = 1;
}

await main();
