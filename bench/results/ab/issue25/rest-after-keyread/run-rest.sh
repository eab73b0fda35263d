#!/usr/bin/env bash
set -uo pipefail
OUT=/work/ab/outrest; mkdir -p $OUT; cd /work/ab/after25
for r in 1 2 3; do
  if (( r % 2 )); then order="before after"; else order="after before"; fi
  for b in $order; do
    if [ "$b" = before ]; then dist=/work/ab/before/dist; else dist=/work/ab/final/dist; fi
    echo "$(date +%T) round $r $b rest" >> $OUT/progress.txt
    BENCH_DIST=$dist npx ts-node --transpile-only bench/rest-hot-paths.ts --engine postgres --rounds 1 --seconds 8 --targets get,bare --out $OUT/$b-rest-$r.json > $OUT/$b-rest-$r.log 2>&1
  done
done
echo "$(date +%T) done" >> $OUT/progress.txt
