const counts = new Map(); const fs = require('fs');
const orig = process.stdout.write.bind(process.stdout);
process.stdout.write = function (chunk, ...rest) {
  try { const s = String(chunk); for (const line of s.split('\n')) { if (!line) continue; const m = line.match(/"level":(\d+).*?"msg":"([^"]{0,80})/); const k = m ? m[1] + ' ' + m[2] : line.slice(0, 80); counts.set(k, (counts.get(k) || 0) + 1); } } catch {}
  return orig(chunk, ...rest);
};
const dump = () => fs.writeFileSync(process.env.LOGCOUNT_OUT || '/tmp/prof/logcount.txt', [...counts].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, v]) => v + ' ' + k).join('\n') + '\n');
process.on('exit', dump); process.prependListener('SIGTERM', dump);
