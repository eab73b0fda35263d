// node agg.js <cpuprofile> [startUs endUs] : self time by package and by function
const fs=require('fs');const p=JSON.parse(fs.readFileSync(process.argv[2]));
const s=process.argv[3]?+process.argv[3]:-Infinity,e=process.argv[4]?+process.argv[4]:Infinity;
const byId=new Map(p.nodes.map(n=>[n.id,n]));const self=new Map();let t=p.startTime,total=0;
for(let i=0;i<p.samples.length;i++){t+=p.timeDeltas[i];if(t<s||t>e)continue;const d=p.timeDeltas[i];self.set(p.samples[i],(self.get(p.samples[i])||0)+d);total+=d;}
const pkg=new Map(),fn=new Map();
for(const [id,us] of self){const n=byId.get(id);const u=n.callFrame.url||'';let k;
 const m=u.match(/node_modules\/((@[^/]+\/)?[^/]+)/);k=m?m[1]:(u.includes('/dist/')?'app:'+u.split('/dist/')[1].split('/').slice(0,3).join('/'):(u||n.callFrame.functionName||'(native)'));
 if(!u){k=n.callFrame.functionName;}
 pkg.set(k,(pkg.get(k)||0)+us);const f=(n.callFrame.functionName||'(anon)')+' '+u.replace(/.*node_modules\//,'').replace(/.*\/dist\//,'')+':'+n.callFrame.lineNumber;fn.set(f,(fn.get(f)||0)+us);}
const top=+(process.env.TOP||30);
console.log('total ms',(total/1000).toFixed(0));
for(const [k,v] of [...pkg].sort((a,b)=>b[1]-a[1]).slice(0,top))console.log((v/1000).toFixed(0).padStart(7),(100*v/total).toFixed(1).padStart(5)+'%',k);
console.log('--- functions');
for(const [k,v] of [...fn].sort((a,b)=>b[1]-a[1]).slice(0,top))console.log((v/1000).toFixed(0).padStart(7),(100*v/total).toFixed(1).padStart(5)+'%',k);
