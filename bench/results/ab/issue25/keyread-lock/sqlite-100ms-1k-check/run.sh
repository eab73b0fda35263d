cd /work/main
for r in 1 2 3 4 5 6 7 8; do
  if (( r % 2 )); then order="before cur"; else order="cur before"; fi
  for b in $order; do
    BENCH_DIST=/work/ab/$b/dist npx ts-node --transpile-only bench/billing-run.ts --engines sqlite --latencies 100 --sizes 1000 --runs 1 --warmup 2 --bare off --out /tmp/q/$b-$r.json > /tmp/q/$b-$r.log 2>&1
  done
done
echo done > /tmp/q/done
