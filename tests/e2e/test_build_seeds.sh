# chorus build on the seeds: one story of five sources, cross-linked pages,
# a feed that validates; an unrelated article founds a second story.
. "$(dirname "$0")/lib.sh"

site=$(new_site seeds)
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "build exits 0 ($out)" [ $? -eq 0 ]
check "summary line names 1 story" grep -q "5 articles (5 new, 0 changed), 1 stories" <<<"$out"
pub=$site/public
check "index.html" test -s "$pub/index.html"
check "style.css" test -s "$pub/style.css"
check "one story page" [ "$(ls "$pub/stories" | wc -l)" -eq 1 ]
check "five source pages" [ "$(ls "$pub"/sources/*.html | wc -l)" -eq 5 ]
check "feed has one entry" [ "$(entries "$pub/feed.atom")" -eq 1 ]
check "entry has five related links" [ "$(grep -c 'rel="related"' "$pub/feed.atom")" -eq 5 ]
check "feed validates against atom.rng" \
	xmllint --noout --relaxng "$CHORUS_SHARED/conformance/atom/atom.rng" "$pub/feed.atom"
story=$(ls "$pub"/stories/*.html)
for src in "$pub"/sources/*.html; do
	name=$(basename "$src")
	check "story links to source $name" grep -q "href=\"../sources/$name\"" "$story"
	check "source $name links back to the story" \
		grep -q "href=\"../stories/$(basename "$story")\"" "$src"
done
check "index links to the story" grep -q "href=\"stories/$(basename "$story")\"" "$pub/index.html"
check "index names The Independent" grep -q "The Independent" "$pub/index.html"
check "story page has a summary" grep -q '<h2 id="summary-h">Summary</h2>' "$story"
check "story page says what one outlet adds" grep -q "Only in The Independent" "$story"
check "headline is a seed's headline" \
	grep -q "<h1>Trump Administration Pushes New Peace Plan with Russia in Ukraine War</h1>" "$story"
check "the UUID v5 id" grep -q "<id>urn:uuid:e3fc6f8a-6050-5dc7-96aa-048fb5da132f</id>" "$pub/feed.atom"

# An unrelated article in the same site founds a second story.
cat >"$site/seeds/lisbon-floods.txt" <<'ART'
Title: Heavy Rain Floods Streets of Lisbon as Storm Batters Portugal
Source: Lisbon Daily

Torrential rain swept across Lisbon on Tuesday, flooding streets in the Alfama district and forcing the closure of several metro stations. The national weather service IPMA issued a red warning for the coastal region.
Firefighters rescued residents trapped in cars in Alges, and the city council opened emergency shelters in schools. Mayor Carlos Moedas urged people to stay at home.
ART
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "second build exits 0 ($out)" [ $? -eq 0 ]
check "only the new file is read" grep -q "6 source files (1 read, 0 failed)" <<<"$out"
check "two stories" [ "$(ls "$pub/stories" | wc -l)" -eq 2 ]
check "feed has two entries" [ "$(entries "$pub/feed.atom")" -eq 2 ]
check "seed story unchanged: still five related links" \
	[ "$(grep -c 'rel="related"' "$pub/feed.atom")" -eq 6 ]
check "feed still validates" \
	xmllint --noout --relaxng "$CHORUS_SHARED/conformance/atom/atom.rng" "$pub/feed.atom"
finish
