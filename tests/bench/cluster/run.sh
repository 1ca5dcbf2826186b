#!/bin/bash
# The clustering benchmark (issue: 50k and 500k articles from
# ../shared/bench/gen_corpus.py): articles/s, peak RSS, pairwise F1 against
# the generator's truth, and the growth from the smaller to the larger run.
#
# usage: tests/bench/cluster/run.sh BUILD_DIR [N...]    (default: 50000 500000)
# Needs a Release build (cmake -DCMAKE_BUILD_TYPE=Release); writes its
# corpora and states under ${BENCH_DIR:-/tmp/chorus-bench-cluster}.
set -eu
build=${1:?usage: run.sh BUILD_DIR [N...]}
shift
sizes=${*:-50000 500000}
here=$(cd "$(dirname "$0")" && pwd)
shared=${CHORUS_SHARED:-$here/../../../../shared}
[ -d "$shared/bench" ] || { echo "shared/ not found: set CHORUS_SHARED" >&2; exit 2; }
dir=${BENCH_DIR:-/tmp/chorus-bench-cluster}
bench=$build/tests/chorus_bench_cluster
mkdir -p "$dir"
for n in $sizes; do
	items=$dir/items_$n.tsv
	[ -s "$items" ] || python3 "$shared/bench/gen_corpus.py" --out "$dir" --text-only "$n" >/dev/null
	db=$dir/state_$n.db
	rm -f "$db" "$db-wal" "$db-shm"
	/usr/bin/time -v "$bench" ingest "$db" "$items" 2>"$dir/ingest_$n.time"
	/usr/bin/time -v "$bench" cluster "$db" 2>"$dir/cluster_$n.time" | tee "$dir/cluster_$n.out"
	echo "  peak RSS (cluster): $(awk '/Maximum resident/ {printf "%.0f MB", $6/1024}' "$dir/cluster_$n.time"); ingest: $(awk '/Maximum resident/ {printf "%.0f MB", $6/1024}' "$dir/ingest_$n.time")"
	cut -f1,2 "$items" >"$dir/truth_$n.tsv"
	python3 - "$db" >"$dir/pred_$n.tsv" <<'PY'
import sqlite3, sys
for key, story in sqlite3.connect(sys.argv[1]).execute("SELECT key, story_id FROM articles"):
    print("%s\t%s" % (key, story))
PY
	python3 "$shared/eval/cluster_score.py" "$dir/truth_$n.tsv" "$dir/pred_$n.tsv" | sed 's/^/  /'
done
