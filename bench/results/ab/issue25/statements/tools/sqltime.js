// Preload: time every better-sqlite3 statement by its SQL; dump the top at exit to $SQLTIME_OUT.
const Module = require('module');
const origLoad = Module._load;
const stats = new Map();
let patched = false;
Module._load = function (req, parent, isMain) {
  const m = origLoad.apply(this, arguments);
  if (!patched && req === 'better-sqlite3') {
    patched = true;
    const S = Object.getPrototypeOf(m.prototype.prepare.call(new m(':memory:'), 'select 1'));
    for (const fn of ['run', 'all', 'get', 'iterate']) {
      const orig = S[fn];
      S[fn] = function () {
        const t = process.hrtime.bigint();
        try { return orig.apply(this, arguments); } finally {
          const d = Number(process.hrtime.bigint() - t) / 1e6;
          const k = this.source.replace(/\s+/g, ' ').replace(/\?(, ?\?)+/g, '?,..').slice(0, 220);
          const s = stats.get(k) || { n: 0, ms: 0 }; s.n++; s.ms += d; stats.set(k, s); if (k === 'COMMIT') { const b = d < 0.5 ? '<0.5' : d < 1 ? '<1' : d < 2 ? '<2' : d < 5 ? '<5' : d < 10 ? '<10' : d < 20 ? '<20' : '>=20'; const h = stats.get('hist ' + b) || { n: 0, ms: 0 }; h.n++; h.ms += d; stats.set('hist ' + b, h); }
        }
      };
    }
  }
  return m;
};
function dump() {
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  require('fs').writeFileSync(process.env.SQLTIME_OUT || '/tmp/prof/sqltime.txt', rows.map(([k, v]) => `${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(7)}x  ${k}`).join('\n') + '\n');
}
process.on('exit', dump); process.on('SIGTERM', () => { dump(); process.exit(0); }); process.on('SIGINT', () => { dump(); process.exit(0); });
process.on('SIGTERM', () => {});
const origExit = process.exit;
function copyDb() { try { const p = process.env.DATABASE_PATH; if (p && process.env.COPY_DB) { const fs = require('fs'); for (const s of ['', '-wal', '-shm']) if (fs.existsSync(p + s)) fs.copyFileSync(p + s, process.env.COPY_DB + s); } } catch (e) { console.error(e); } }
process.prependListener('SIGTERM', copyDb);
{
  const D = require('/work/main/node_modules/better-sqlite3');
  const orig = D.prototype.pragma;
  D.prototype.pragma = function (s, o) {
    const r = orig.call(this, s, o);
    if (/journal_mode/.test(s) && process.env.WAL_CKPT) { orig.call(this, 'wal_autocheckpoint = ' + process.env.WAL_CKPT); }
    if (/journal_mode/.test(s) && process.env.SQLITE_SYNC) { orig.call(this, 'synchronous = ' + process.env.SQLITE_SYNC); }
    return r;
  };
}
