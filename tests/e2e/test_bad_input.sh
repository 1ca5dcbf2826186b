# Bad input: one clear line naming the file, the build goes on, nothing
# already published or stored is lost.
. "$(dirname "$0")/lib.sh"

# Missing seeds/: exit 2 with one line.
mkdir -p "$TMP/empty"
out=$("$CHORUS" -C "$TMP/empty" build 2>&1)
check "missing seeds/ exits 2" [ $? -eq 2 ]
check "missing seeds/ is named ($out)" grep -q "seeds: No such file or directory" <<<"$out"
check "one line" [ "$(wc -l <<<"$out")" -eq 1 ]

site=$(new_site bad)
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build
check "good build" [ $? -eq 0 ]
cp -r "$site/public" "$TMP/before"

: >"$site/seeds/empty.txt"
printf 'Title: Binary\n\n\x00\x01\x02\x03' >"$site/seeds/binary.txt"
printf 'Caf\xe9 Society Reopens in Porto\n\nThe caf\xe9 reopened on Monday after two years of works on the old building.\n' >"$site/seeds/latin1.txt"
head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$site/seeds/huge.txt"
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
rc=$?
check "exit 1 when sources failed (got $rc)" [ $rc -eq 1 ]
check "empty file named" grep -q "seeds/empty.txt: empty file, skipped" <<<"$out"
check "binary file named" grep -q "seeds/binary.txt: binary file (NUL byte at offset 15), skipped" <<<"$out"
check "invalid UTF-8 repaired and said so" grep -q "seeds/latin1.txt:1: invalid UTF-8 repaired" <<<"$out"
check "50 MB file refused with its size" grep -q "seeds/huge.txt: file too large (52428800 bytes" <<<"$out"
check "the build went on" grep -q "2 stories" <<<"$out"
check "repaired article published" grep -q "Society Reopens in Porto" "$site/public/index.html"
check "seed story still published" diff "$TMP/before/stories" "$site/public/stories/" -q -x '*porto*' -x '*society*' >/dev/null
check "seed story page unchanged" test -n "$(ls "$site/public/stories" | grep trump)"

# A seed that later turns unreadable keeps its stored article.
: >"$site/seeds/000_7fc3c141840a2b8f.txt"
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "emptied seed reported" grep -q "000_7fc3c141840a2b8f.txt: empty file, skipped" <<<"$out"
check "its article stays on its source page" \
	grep -q "Trump in Secret Ukraine Peace Talks" "$site/public/sources/000-7fc3c141840a2b8f.html"
check "feed still has all five sources of the story" \
	[ "$(grep -c 'rel="related"' "$site/public/feed.atom")" -ge 5 ]

# A broken chorus.ini: exit 2 naming file and line.
printf '[site]\ntitle = ok\nbogus = 1\n' >"$site/chorus.ini"
out=$("$CHORUS" -C "$site" build 2>&1)
check "bad config exits 2" [ $? -eq 2 ]
check "bad config names file:line ($out)" grep -q "chorus.ini:3: unknown key \"bogus\"" <<<"$out"
finish
