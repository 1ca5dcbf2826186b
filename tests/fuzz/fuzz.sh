#!/bin/bash
# Build the libFuzzer targets with clang and run each for a while.
#
#   fuzz.sh [-t SECONDS] [-w WORKDIR] [-s SHARED] [TARGET...]
#
# Targets: fuzz_feed_xml fuzz_feed_json fuzz_date (all by default). Seed
# corpora come from shared/conformance/feedparser (feeds, the JSON Feed,
# the date vectors) and tests/data/feed. Corpora and crash files stay in
# WORKDIR (default: a new folder under /tmp), so long runs can go on
# where they stopped. Exits 77 (skipped) when clang has no fuzzer
# runtime, 1 when a target finds a crash, 0 otherwise. The default ctest
# run uses this for a short smoke run (tests/fuzz/tests.cmake); long runs
# are started by hand with a larger -t under `nice`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
secs=20
work=""
shared="$src/../shared"
while getopts "t:w:s:" o; do
	case $o in
	t) secs=$OPTARG ;;
	w) work=$OPTARG ;;
	s) shared=$OPTARG ;;
	*) echo "usage: fuzz.sh [-t SECONDS] [-w WORKDIR] [-s SHARED] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_feed_xml fuzz_feed_json fuzz_date)
[ -n "$work" ] || work=$(mktemp -d /tmp/chorus-fuzz.XXXXXX)
mkdir -p "$work"

cc=${FUZZ_CC:-clang}
probe="$work/probe.c"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$probe"
if ! command -v "$cc" > /dev/null ||
   ! "$cc" -fsanitize=fuzzer "$probe" -o "$work/probe" 2> /dev/null; then
	echo "fuzz: $cc has no libFuzzer runtime (apt-get install clang): skipped"
	exit 77
fi

flags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$src/include -I$src/src $(pkg-config --cflags libxml-2.0 jansson)"
libs="$(pkg-config --libs libxml-2.0 jansson) -lm"
lib_srcs=("$src"/src/buf.c "$src"/src/error.c "$src"/src/date.c "$src"/src/feed*.c)
# The sanitiser and text modules, when present, are what feed_html.c calls.
for extra in sanitize.c; do
	[ -f "$src/src/$extra" ] && lib_srcs+=("$src/src/$extra")
done

seed() {
	local t=$1 dir=$work/corpus_$1
	[ -d "$dir" ] && return 0
	mkdir -p "$dir"
	case $t in
	fuzz_feed_xml)
		if [ -d "$shared/conformance/feedparser" ]; then
			find "$shared/conformance/feedparser"/{wellformed,illformed,encoding,entities} \
				-type f -size -64k -exec cp -t "$dir" {} + 2> /dev/null || true
		fi
		cp "$src"/tests/data/feed/*.xml "$dir" ;;
	fuzz_feed_json)
		cp "$src"/tests/data/feed/*.json "$dir"
		[ -d "$shared/conformance/feedparser/json" ] &&
			cp "$shared"/conformance/feedparser/json/* "$dir" ;;
	fuzz_date)
		local i=0
		if [ -f "$shared/conformance/feedparser/date_vectors.tsv" ]; then
			tail -n +2 "$shared/conformance/feedparser/date_vectors.tsv" |
			while IFS=$'\t' read -r _ input _; do
				i=$((i + 1))
				printf '%s' "$input" | sed 's/^"//; s/"$//' > "$dir/v$i"
			done
		fi
		printf '%s' "Tue, 10 Jun 2003 04:00:00 GMT" > "$dir/rfc822"
		printf '%s' "2003-06-10T04:00:00+05:30" > "$dir/iso" ;;
	esac
}

status=0
for t in "${targets[@]}"; do
	bin="$work/$t"
	"$cc" $flags "$here/$t.c" "${lib_srcs[@]}" $libs -o "$bin"
	seed "$t"
	mkdir -p "$work/crashes_$t"
	echo "fuzz: $t for ${secs}s (corpus $work/corpus_$t)"
	if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" \
		-max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/crashes_$t/" -print_final_stats=1 \
		"$work/corpus_$t" > "$work/$t.log" 2>&1; then
		echo "fuzz: $t FAILED, see $work/$t.log and $work/crashes_$t/"
		tail -40 "$work/$t.log"
		status=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t.log" | sed "s/^/fuzz: $t /" || true
done
exit $status
