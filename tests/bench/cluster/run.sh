#!/bin/bash
# The clustering benchmark (issue: 50k and 500k articles from
# ../shared/bench/gen_corpus.py): articles/s, peak RSS, pairwise F1 against
# the generator's truth, and the growth from the smaller to the larger run.
#
# usage: tests/bench/cluster/run.sh BUILD_DIR [N...]    (default: 50000 500000)
# Needs a Release build (cmake -DCMAKE_BUILD_TYPE=Release); writes its
# corpora and states under ${BENCH_DIR:-/tmp/chorus-bench-cluster}.
# REPEAT=R clusters each stored corpus R times (from a copy of the same
# state) and prints the median run; the machine is shared, so single runs
# say little. Ends with a summary of the medians against the issue's
# targets, with the growth from the first size to the last.
set -eu
build=${1:?usage: run.sh BUILD_DIR [N...]}
shift
sizes=${*:-50000 500000}
repeat=${REPEAT:-1}
here=$(cd "$(dirname "$0")" && pwd)
# The shared/ folder: CHORUS_SHARED, else the one the build was configured
# with (a worktree's build knows it), else the source tree's sibling.
cached=$(sed -n 's/^CHORUS_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
shared=${CHORUS_SHARED:-${cached:-$here/../../../../shared}}
[ -d "$shared/bench" ] || { echo "shared/ not found: set CHORUS_SHARED" >&2; exit 2; }
dir=${BENCH_DIR:-/tmp/chorus-bench-cluster}
bench=$build/tests/chorus_bench_cluster
mkdir -p "$dir"
summary=$dir/summary.txt
: >"$summary"
for n in $sizes; do
	items=$dir/items_$n.tsv
	[ -s "$items" ] || python3 "$shared/bench/gen_corpus.py" --out "$dir" --text-only "$n" >/dev/null
	db=$dir/state_$n.db
	rm -f "$db" "$db-wal" "$db-shm" "$db.stored"
	/usr/bin/time -v "$bench" ingest "$db" "$items" 2>"$dir/ingest_$n.time"
	cp "$db" "$db.stored"
	: >"$dir/cluster_$n.runs"
	for r in $(seq "$repeat"); do
		cp "$db.stored" "$db"
		rm -f "$db-wal" "$db-shm"
		/usr/bin/time -v "$bench" cluster "$db" 2>"$dir/cluster_$n.time" >"$dir/cluster_$n.out"
		# seconds, the output line, peak RSS in MB, load average
		echo "$(sed 's/.* in \([0-9.]*\) s:.*/\1/' "$dir/cluster_$n.out") $(cat "$dir/cluster_$n.out") RSS $(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$dir/cluster_$n.time") MB, load $(cut -d' ' -f1 /proc/loadavg)" >>"$dir/cluster_$n.runs"
	done
	sort -n "$dir/cluster_$n.runs" | cut -d' ' -f2- | sed 's/^/  /'
	median=$(sort -n "$dir/cluster_$n.runs" | sed -n "$(((repeat + 1) / 2))p")
	echo "median: $(echo "$median" | cut -d' ' -f2-)"
	# For the summary: size, wall s, articles/s, CPU s, RSS MB.
	echo "$median" | sed 's/^\([0-9.]*\) .* \([0-9]*\) articles\/s; CPU \([0-9.]*\) s.* RSS \([0-9]*\) MB.*/'"$n"' \1 \2 \3 \4/' >>"$summary"
	rm -f "$db.stored"
	cut -f1,2 "$items" >"$dir/truth_$n.tsv"
	python3 - "$db" >"$dir/pred_$n.tsv" <<'PY'
import sqlite3, sys
for key, story in sqlite3.connect(sys.argv[1]).execute("SELECT key, story_id FROM articles"):
    print("%s\t%s" % (key, story))
PY
	python3 "$shared/eval/cluster_score.py" "$dir/truth_$n.tsv" "$dir/pred_$n.tsv" >"$dir/score_$n.txt"
	sed 's/^/  /' "$dir/score_$n.txt"
	f1=$(sed -n 's/^pairwise .* F1 \([0-9.]*\).*/\1/p' "$dir/score_$n.txt")
	sed -i '$ s/$/ '"$f1"'/' "$summary"
done
# Against the issue's targets: 50,000 articles/s, peak RSS under 1.5 GB,
# pairwise F1 at least 0.95, the largest run at most 12 times the
# smallest's time for 10 times the articles (sizes as given).
echo "summary (medians):"
awk '{ printf "  %s articles: %s s, %s articles/s (target 50000: %s), peak RSS %s MB (under 1536: %s), pairwise F1 %s (at least 0.95: %s)\n", $1, $2, $3, ($3 >= 50000 ? "met" : "NOT met"), $5, ($5 < 1536 ? "met" : "NOT met"), $6, ($6 >= 0.95 ? "met" : "NOT met") }' "$summary"
awk 'NR == 1 { n0 = $1; t0 = $2; c0 = $4 } { n1 = $1; t1 = $2; c1 = $4 } END { if (NR > 1 && t0 > 0 && c0 > 0) printf "  growth %s -> %s articles (%.0f times): %.1f times the wall time, %.1f times the CPU (target, at most 12 for 10 times the articles: %s)\n", n0, n1, n1 / n0, t1 / t0, c1 / c0, (n1 != 10 * n0 ? "not these sizes" : (t1 / t0 <= 12 ? "met" : "NOT met")) }' "$summary"
rm -f "$summary"
