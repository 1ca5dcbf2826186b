#!/usr/bin/env bash
# The render benchmark (issue 6, acceptance 5): 50,000 stories from
# gen_corpus.py's text-only corpus; see bench_render.c for the steps.
#
#   tests/bench/render/run.sh [BENCH_RENDER_BINARY]   the real run
#   tests/bench/render/run.sh --smoke                 400 stories (ctest)
#
# Build the binary without sanitizers for real figures:
#   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release &&
#   cmake --build build-release -j2 --target bench_render &&
#   tests/bench/render/run.sh build-release/tests/bench_render
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
bin=${1:-${CHORUS_BENCH_RENDER:?give the bench_render binary}}
# The shared/ folder: CHORUS_SHARED, else the one the binary's build was
# configured with (a worktree's build knows it), else the source tree's
# sibling.
cached=$(sed -n 's/^CHORUS_SHARED_DIR:PATH=//p' "$(dirname "$bin")/../CMakeCache.txt" 2>/dev/null || true)
shared=${CHORUS_SHARED:-${cached:-$here/../../../../shared}}
if [ $smoke = 1 ]; then items=1200 stories=400; else items=143000 stories=50000; fi
work=${CHORUS_BENCH_DIR:-$(mktemp -d /tmp/chorus-bench-render-XXXXXX)}
corpus=${CHORUS_BENCH_CORPUS:-$work}
trap '[ -n "${CHORUS_BENCH_DIR:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$corpus"
if [ ! -s "$corpus/items_$items.tsv" ]; then
	nice python3 "$shared/bench/gen_corpus.py" --out "$corpus" --text-only "$items" 2>/dev/null
fi
rm -rf "$work/site"
mkdir -p "$work/site"
# The smoke test checks its time targets on CPU time (bench_render.c).
if [ $smoke = 1 ]; then export CHORUS_BENCH_LIMIT_BY=cpu; fi
"$bin" "$corpus/items_$items.tsv" "$work/site" "$stories" "$here/../../../templates/layout.mustache"
