# Two builds of the same input are byte-identical; the committed public/
# is exactly what the seeds build to; a build with no change rewrites
# nothing (mtimes stay).
. "$(dirname "$0")/lib.sh"

a=$(new_site a)
b=$(new_site b)
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$a" build
check "build a" [ $? -eq 0 ]
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$b" build
check "build b" [ $? -eq 0 ]
check "two builds are byte-identical" diff -r "$a/public" "$b/public"
check "the committed public/ equals a fresh build of seeds/" \
	diff -r "$CHORUS_SRC/public" "$a/public"

# Without SOURCE_DATE_EPOCH undated articles take the file's mtime.
c=$(new_site c)
touch -d @1700000000 "$c"/seeds/*.txt
env -u SOURCE_DATE_EPOCH "$CHORUS" -q -C "$c" build
check "mtime dates the articles" grep -q "<updated>2023-11-14T22:13:20Z</updated>" "$c/public/feed.atom"

# Backdate every output file, rebuild, and see that none was rewritten.
find "$a/public" -type f -exec touch -d @1000000000 {} +
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$a" build 2>&1)
check "rebuild exits 0" [ $? -eq 0 ]
check "rebuild reports nothing written ($out)" grep -q "0 files written" <<<"$out"
touched=$(find "$a/public" -type f -newermt @1000000001 | wc -l)
check "no file in public/ was rewritten ($touched were)" [ "$touched" -eq 0 ]
check "no temporary files left" [ -z "$(find "$a/public" -name '*.tmp-*')" ]

# A changed article rewrites only what shows it.
printf '\nA late correction was added to this report today.\n' >>"$a/seeds/001_c58b7bd601761270.txt"
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$a" build 2>&1)
check "changed article is read again ($out)" grep -q "1 changed" <<<"$out"
check "style.css untouched" [ -z "$(find "$a/public/style.css" -newermt @1000000001)" ]
finish
