# chorus stories on the seeds: the list, --tsv, --explain naming the names
# that drove the merge, and [story] overrides in chorus.ini.
. "$(dirname "$0")/lib.sh"

site=$(new_site stories)
id=urn:uuid:e3fc6f8a-6050-5dc7-96aa-048fb5da132f
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build
check "build exits 0" [ $? -eq 0 ]

tsv=$("$CHORUS" -C "$site" stories --tsv)
check "tsv has a line per article" [ "$(wc -l <<<"$tsv")" -eq 5 ]
check "every article in the seed story" [ "$(grep -c "	$id\$" <<<"$tsv")" -eq 5 ]
check "tsv names the keys" grep -q "^003_ea9675669bbb944e	" <<<"$tsv"

list=$("$CHORUS" -C "$site" stories)
check "list shows the story id" grep -q "^$id " <<<"$list"
check "list counts members and sources" grep -q "(5 articles, 5 sources)" <<<"$list"
check "list names The Independent" grep -q "The Independent" <<<"$list"

explain=$("$CHORUS" -C "$site" stories --explain "$id")
check "explain exits 0" [ $? -eq 0 ]
shared=$(grep "shared names:" <<<"$explain")
check "explain names Witkoff ($shared)" grep -q "Witkoff" <<<"$shared"
check "explain names Dmitriev ($shared)" grep -q "Dmitriev" <<<"$shared"
check "explain shows the variant spelling" grep -q "Witkov" <<<"$explain"
check "explain gives every member a score" [ "$(grep -c "  score " <<<"$explain")" -eq 5 ]
check "explain by article key" "$CHORUS" -C "$site" stories --explain 002_d00f49ccea1fcff8
"$CHORUS" -C "$site" stories --explain nosuchstory 2>/dev/null
check "explain of an unknown story exits 2" [ $? -eq 2 ]

# split = KEY: the article founds a story of its own.
printf '[story]\nsplit = 002_d00f49ccea1fcff8\n' >"$site/chorus.ini"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build
tsv=$("$CHORUS" -C "$site" stories --tsv)
check "split: two stories" [ "$(cut -f2 <<<"$tsv" | sort -u | wc -l)" -eq 2 ]
check "split: the rest keeps the id" [ "$(grep -c "	$id\$" <<<"$tsv")" -eq 4 ]
check "split: the article left" [ "$(grep -c "^002_d00f49ccea1fcff8	$id\$" <<<"$tsv")" -eq 0 ]

# merge = KEY KEY: back together, under the older id.
printf '[story]\nmerge = 000_7fc3c141840a2b8f 002_d00f49ccea1fcff8\n' >"$site/chorus.ini"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build
tsv=$("$CHORUS" -C "$site" stories --tsv)
check "merge: one story again, the older id" [ "$(grep -c "	$id\$" <<<"$tsv")" -eq 5 ]

printf '[story]\nmerge = only-one-key\n' >"$site/chorus.ini"
out=$("$CHORUS" -q -C "$site" build 2>&1)
check "merge with one key is a config error (exit 2)" [ $? -eq 2 ]
check "the error names the line" grep -q "chorus.ini:2: merge takes two article keys" <<<"$out"
finish
