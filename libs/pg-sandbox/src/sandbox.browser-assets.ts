import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyReply } from 'fastify';

/**
 * Browser files (HTML pages and the TypeScript they load) served from the source tree. The TypeScript is transpiled
 * when first asked for (`typescript`'s transpileModule, cached per file until it changes on disk): the browser code
 * stays typed and checked (its own tsconfig with the DOM library) with no build step, nothing is written to disk, and
 * the server runs the same from `src` (ts-node, jest) and from `dist` (nest build does not copy these folders).
 * Only sandbox mode and the example pages use this, never production.
 */
export class BrowserAssets {
  private readonly cache = new Map<string, { mtimeMs: number; text: string }>();

  /** `dir`: a folder relative to the project root (the nearest ancestor of this file holding package.json). */
  constructor(dir: string) {
    this.dir = join(projectRoot(), dir);
  }

  private readonly dir: string;

  /** Whether `name` (no path separators) is a file of this folder. */
  has(name: string): boolean {
    return SAFE_NAME.test(name) && existsSync(join(this.dir, name));
  }

  /** An HTML page of the folder, as it is on disk. */
  html(name: string): string {
    return this.load(`${name}.html`, (text) => text);
  }

  /** A stylesheet of the folder, as it is on disk. */
  css(name: string): string {
    return this.load(`${name}.css`, (text) => text);
  }

  /**
   * `<name>.ts` as JavaScript. `classic: true` for a script loaded by a plain `<script src>` (an SDK a merchant's page
   * includes): the module marker TypeScript keeps for a file with `export {}` is dropped, since a classic script cannot
   * contain `export`. Otherwise an ES module (`<script type="module">`), whose `./x.js` imports this folder serves.
   */
  async script(name: string, { classic = false }: { classic?: boolean } = {}): Promise<string> {
    const ts = await loadTypeScript();
    return this.load(`${name}.ts`, (source) => {
      const out = ts.transpileModule(source, {
        fileName: `${name}.ts`,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ES2022,
          removeComments: false,
          sourceMap: false,
        },
      }).outputText;
      return classic ? out.replace(/^export \{\};\s*$/m, '') : out;
    });
  }

  private load(file: string, transform: (text: string) => string): string {
    if (!SAFE_NAME.test(file)) throw new Error(`not a browser asset name: ${file}`);
    const path = join(this.dir, file);
    const { mtimeMs } = statSync(path);
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.text;
    const text = transform(readFileSync(path, 'utf8'));
    this.cache.set(file, { mtimeMs, text });
    return text;
  }
}

const SAFE_NAME = /^[a-z0-9][a-z0-9.-]{0,80}$/;

type TypeScriptModule = typeof import('typescript');
let typescript: Promise<TypeScriptModule> | undefined;
/** `typescript` is a development dependency: loaded on the first script served, never at boot. */
function loadTypeScript(): Promise<TypeScriptModule> {
  typescript ??= import('typescript').then(
    (m) => ((m as { default?: TypeScriptModule }).default ?? m) as TypeScriptModule,
  );
  return typescript;
}

let root: string | undefined;
/** The folder holding package.json above this file (the repository, whether running from src or from dist). */
export function projectRoot(): string {
  if (root) return root;
  let dir = resolve(__dirname);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('browser assets: no package.json above ' + __dirname);
    dir = up;
  }
  root = dir;
  return dir;
}

/** Sends a page or script with its type; never cached by the browser (the files change while one develops). */
export function sendAsset(reply: FastifyReply, kind: 'html' | 'js' | 'css', body: string): FastifyReply {
  const type = { html: 'text/html', js: 'text/javascript', css: 'text/css' }[kind];
  return reply.header('content-type', `${type}; charset=utf-8`).header('cache-control', 'no-store').send(body);
}
