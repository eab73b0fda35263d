// node summarize.js <out-dir>: medians/min per case and build, and the issue-25 rules.
const fs = require('fs'); const dir = process.argv[2];
const med = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const bill = { before: {}, after: {} }, rest = { before: {}, after: {} };
for (const f of fs.readdirSync(dir)) {
  let m = f.match(/^(before|after)-billing-(\d+)\.json$/);
  if (m) for (const c of JSON.parse(fs.readFileSync(`${dir}/${f}`))) for (const r of c.runs) {
    const k = `${c.engine} ${c.latencyMs}ms N=${c.n}`; const bound = (c.n / c.concurrency) * c.latencyMs / 1000;
    (bill[m[1]][k] ??= []).push({ cps: r.chargesPerS, pct: bound ? (bound / r.wallS) * 100 : null });
  }
  m = f.match(/^(before|after)-rest-(\d+)\.json$/);
  if (m) for (const s of JSON.parse(fs.readFileSync(`${dir}/${f}`)).shots) (rest[m[1]][s.target] ??= []).push(s);
}
console.log('| case | before charges/s median (min–max) | after median (min–max) | after ÷ before | 100 ms: % of bound before → after | rule |');
console.log('|---|---|---|---|---|---|');
for (const k of Object.keys(bill.before).sort()) {
  const b = bill.before[k], a = bill.after[k] ?? []; if (!a.length) continue;
  const bc = b.map((x) => x.cps), ac = a.map((x) => x.cps);
  let rule = med(ac) >= Math.min(...bc) ? 'ok' : 'BELOW before-min';
  let pct = '–';
  if (b[0].pct) { const bp = med(b.map((x) => x.pct)), ap = med(a.map((x) => x.pct)); pct = `${bp.toFixed(1)} → ${ap.toFixed(1)}`; if (ap < bp - 1) rule += '; LOST >1 point'; }
  console.log(`| ${k} | ${med(bc).toFixed(0)} (${Math.min(...bc).toFixed(0)}–${Math.max(...bc).toFixed(0)}) | ${med(ac).toFixed(0)} (${Math.min(...ac).toFixed(0)}–${Math.max(...ac).toFixed(0)}) | ${(med(ac) / med(bc)).toFixed(2)} | ${pct} | ${rule} |`);
}
console.log('\n| REST target | before req/s median (min–max) | after | before CPU µs/req | after | rule |');
console.log('|---|---|---|---|---|---|');
for (const t of Object.keys(rest.before).sort()) {
  const b = rest.before[t], a = rest.after[t] ?? []; if (!a.length) continue;
  const br = b.map((s) => s.reqPerS), ar = a.map((s) => s.reqPerS);
  console.log(`| ${t} | ${med(br).toFixed(0)} (${Math.min(...br).toFixed(0)}–${Math.max(...br).toFixed(0)}) | ${med(ar).toFixed(0)} (${Math.min(...ar).toFixed(0)}–${Math.max(...ar).toFixed(0)}) | ${med(b.map((s) => s.cpuUsPerReq)).toFixed(0)} | ${med(a.map((s) => s.cpuUsPerReq)).toFixed(0)} | ${med(ar) >= Math.min(...br) ? 'ok' : 'BELOW before-min'} |`);
}
