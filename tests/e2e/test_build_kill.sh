# `chorus build` killed (SIGKILL) at random moments, from reading seeds/
# through clustering to the last page: each kill leaves a state that opens
# and passes SQLite's integrity check, and a public/ whose index and feed
# are whole and link only to whole pages; the next build then completes,
# and its public/ and stories are byte for byte those of a build never
# interrupted.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH

# 960 feed items from 24 outlets (RSS and Atom), 343 true stories.
"$PY" "$CHORUS_SHARED/bench/gen_corpus.py" --out "$TMP/corpus" --feeds 24 \
	--items 40 >/dev/null
mkdir -p "$TMP/ref/seeds" "$TMP/kill/seeds"
cp "$TMP"/corpus/feeds/*.xml "$TMP/ref/seeds/"
cp "$TMP"/corpus/feeds/*.xml "$TMP/kill/seeds/"

start=$(date +%s%N)
check "the uninterrupted build completes" "$CHORUS" -q -C "$TMP/ref" build
ms=$((($(date +%s%N) - start) / 1000000))
"$CHORUS" -C "$TMP/ref" stories --tsv >"$TMP/ref.tsv"
check "the uninterrupted build found stories" [ -s "$TMP/ref.tsv" ]

# integrity SITE: SQLite's own check of the state, "ok" when sound.
integrity() {
	"$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$1/.chorus/state.db"
}

# whole FILE END: FILE ends with END, as a page or feed written out does.
whole() {
	tail -c 200 "$1" | grep -q "$2" || {
		echo "cut short: $1" >&2
		return 1
	}
}

# public_sound SITE: the index and the feed are whole, and so is every
# story page the index links to. (A page no page links to yet is written
# in place, not renamed into it: a kill can leave it cut short, unseen,
# and the next build writes it again; the last check below sees that.)
public_sound() {
	local pub=$1/public href
	[ -e "$pub/index.html" ] || return 0
	whole "$pub/index.html" '</html>' || return 1
	[ ! -e "$pub/feed.atom" ] || whole "$pub/feed.atom" '</feed>' || return 1
	for href in $(grep -o 'href="stories/[^"]*"' "$pub/index.html" | sed 's/^href="//; s/"$//'); do
		if [ ! -e "$pub/$href" ]; then
			echo "index.html links to $href, not there" >&2
			return 1
		fi
		whole "$pub/$href" '</html>' || return 1
	done
}

# opens SITE: the state opens for `chorus stories`.
opens() {
	"$CHORUS" -q -C "$1" stories --tsv >/dev/null
}

# Each build is killed somewhere in the time a whole one took; one that
# was not killed (it had less left to do) is followed by a build from
# scratch, so the kills fall in every step of a first build.
kills=0
n=0
while [ "$kills" -lt 8 ] && [ "$n" -lt 30 ]; do
	n=$((n + 1))
	"$CHORUS" -q -C "$TMP/kill" build 2>/dev/null &
	pid=$!
	sleep "$(awk -v r="$RANDOM" -v ms="$ms" 'BEGIN { printf "%.3f", (r % 1000) * ms / 1e6 }')"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
		wait "$pid" 2>/dev/null
	else
		wait "$pid" 2>/dev/null
		rm -rf "$TMP/kill/.chorus" "$TMP/kill/public"
		continue
	fi
	[ -e "$TMP/kill/.chorus/state.db" ] || continue
	check "kill $n: the state passes SQLite's integrity check" [ "$(integrity "$TMP/kill")" = ok ]
	check "kill $n: the state opens" opens "$TMP/kill"
	check "kill $n: public/ is whole" public_sound "$TMP/kill"
done
echo "killed $kills of $n builds midway (a whole build: $ms ms)" >&2
check "8 builds were killed midway ($kills of $n)" [ "$kills" -ge 8 ]

check "the next build completes" "$CHORUS" -q -C "$TMP/kill" build
"$CHORUS" -C "$TMP/kill" stories --tsv >"$TMP/kill.tsv"
check "… with the stories of the uninterrupted build" cmp -s "$TMP/ref.tsv" "$TMP/kill.tsv"
check "… and its public/, byte for byte" diff -r "$TMP/ref/public" "$TMP/kill/public"
finish
