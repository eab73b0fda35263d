#!/usr/bin/env bash
# Interleaved A/B: run-ab.sh <before-dist> <after-dist> <out-dir> [rounds] (FIRST_ROUND=k adds rounds k..rounds)
# Each round runs both builds (order alternating), billing 1K/10K x sqlite,postgres x 0,100 ms, then bench:rest.
set -uo pipefail
BEFORE=$1; AFTER=$2; OUT=$3; ROUNDS=${4:-3}
mkdir -p "$OUT"; cd "${HARNESS:-/work/main}"
for r in $(seq "${FIRST_ROUND:-1}" "$ROUNDS"); do
  if (( r % 2 )); then order="before after"; else order="after before"; fi
  for b in $order; do
    if [ "$b" = before ]; then dist=$BEFORE; else dist=$AFTER; fi
    echo "$(date +%T) round $r $b billing" >> "$OUT/progress.txt"
    BENCH_DIST=$dist npx ts-node --transpile-only bench/billing-run.ts --engines sqlite,postgres --latencies 0,100 \
      --sizes 1000,10000 --runs 1 --warmup 2 --bare off --out "$OUT/$b-billing-$r.json" > "$OUT/$b-billing-$r.log" 2>&1
    echo "$(date +%T) round $r $b rest" >> "$OUT/progress.txt"
    BENCH_DIST=$dist npx ts-node --transpile-only bench/rest-hot-paths.ts --engine postgres --rounds 1 --seconds 8 \
      --out "$OUT/$b-rest-$r.json" > "$OUT/$b-rest-$r.log" 2>&1
  done
done
echo "$(date +%T) done" >> "$OUT/progress.txt"
