# Publishing: every Atom document validates against RFC 4287's schema and
# passes the checks it cannot make (tests/publish/feedcheck.py); ids are
# stable across builds; feed.json follows JSON Feed 1.1; sources.opml is
# OPML 2.0 of the subscriptions; pages link the feeds; without [site] link
# the build warns once that feed links are relative, and still exits 0.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK="$CHORUS_SRC/tests/publish"
RNG="$CHORUS_SHARED/conformance/atom/atom.rng"
BASE=https://news.example.org/desk/

site=$(new_site linked)
cat >"$site/chorus.ini" <<INI
[site]
title = World Desk
subtitle = The day's stories, from every side
link = $BASE
author = The World Desk team
language = en
icon = favicon.png
feed_size = 2
[feed "https://feeds.example.com/world.xml"]
name = Example World
[feed "https://other.example.org/atom?x=1&y=2"]
interval = 3600
INI
# Three more stories from one outlet, each on its own subject.
art() {
	printf 'Title: %s\nSource: Coast Herald\nDate: %s\n\n%s\n' "$2" "$3" "$4" \
		>"$site/seeds/$1.txt"
}
art harbour "Northvale Harbour Reopens After Storm Season" 2025-11-11T08:00:00Z \
	"The harbour at Northvale reopened to fishing boats after weeks of storms, the port authority said. Crews repaired the breakwater and dredged the channel before the trawlers returned."
art orchestra "Brightwater Orchestra Names Violinist Amara Quell as Conductor" 2025-11-12T08:00:00Z \
	"The Brightwater Symphony Orchestra appointed violinist Amara Quell as principal conductor for the next concert season. Quell studied composition in Vienna and led the youth ensemble for six years."
art bridge "Engineers Close Kestrel Bridge for Cable Inspection" 2025-11-13T08:00:00Z \
	"Engineers closed the Kestrel suspension bridge overnight to inspect corroded steel cables. Commuters were diverted through the tunnel while inspectors climbed the towers with ultrasonic gauges."
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "build exits 0 ($out)" [ $? -eq 0 ]
check "no relative-links warning when link is set" \
	[ -z "$(grep -i relative <<<"$out")" ]
pub=$site/public
atoms=$(cd "$pub" && ls feed.atom sources/*.atom archive/*.atom 2>/dev/null)
check "feed, archive and outlet feeds written" \
	[ "$(wc -w <<<"$atoms")" -eq 8 ]
for f in $atoms; do
	check "$f validates against atom.rng" \
		xmllint --noout --relaxng "$RNG" "$pub/$f"
done
check "feed.atom holds feed_size entries" [ "$(entries "$pub/feed.atom")" -eq 2 ]
check "an archive page exists" test -s "$pub/archive/1.atom"
check "feed.atom links its archive" \
	grep -q "<link rel=\"prev-archive\" href=\"${BASE}archive/1.atom\"" "$pub/feed.atom"
check "archive carries fh:archive" grep -q "<fh:archive/>" "$pub/archive/1.atom"
check "feed.atom has the icon" grep -q "<icon>${BASE}favicon.png</icon>" "$pub/feed.atom"
check "non-schema checks: links, ids, dates, JSON Feed" $PY - "$pub" "$BASE" "$CHECK" <<'PYEOF'
import os, sys
sys.path.insert(0, sys.argv[3])
import feedcheck
pub, base = sys.argv[1], sys.argv[2]
docs = feedcheck.archive_chain(pub, base)
ids = [i for d in docs for i in d.ids]
assert len(ids) == len(set(ids)) == len(os.listdir(os.path.join(pub, "stories"))), ids
for n in os.listdir(os.path.join(pub, "sources")):
    if n.endswith(".atom"):
        feedcheck.check_atom(os.path.join(pub, "sources", n), base + "sources/" + n, base)
feedcheck.check_jsonfeed(os.path.join(pub, "feed.json"), base, docs[0].ids)
PYEOF

# Ids are stable: the same input in a fresh site gives the same ids, and
# a rebuild gives the same bytes.
ids() { grep -ho '<id>[^<]*</id>' "$1"/feed.atom "$1"/archive/*.atom "$1"/sources/*.atom; }
ids "$pub" >"$TMP/ids1"
b=$TMP/fresh
mkdir -p "$b" && cp -r "$site/seeds" "$site/chorus.ini" "$b/"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$b" build
ids "$b/public" >"$TMP/ids2"
check "ids stable across builds" cmp -s "$TMP/ids1" "$TMP/ids2"
check "feed id is a urn:uuid" grep -q '^<id>urn:uuid:' "$TMP/ids1"
check "every feed document is the same" diff -r "$pub" "$b/public"

# feed.json beside feed.atom, of the same stories.
check "feed.json items are feed.atom's entries" [ \
	"$($PY -c 'import json,sys; print(" ".join(i["id"] for i in json.load(open(sys.argv[1]))["items"]))' "$pub/feed.json")" = \
	"$(grep -o '<id>urn:uuid:[^<]*</id>' "$pub/feed.atom" | sed '1d;s/<[^>]*>//g' | tr '\n' ' ' | sed 's/ $//')" ]

# sources.opml: OPML 2.0, the [feed] subscriptions then the outlets' feeds.
opml=$pub/sources.opml
check "sources.opml is well-formed" xmllint --noout "$opml"
check "OPML 2.0" grep -q '<opml version="2.0">' "$opml"
check "subscription listed with its name" \
	grep -q '<outline text="Example World" type="rss" title="Example World" xmlUrl="https://feeds.example.com/world.xml"/>' "$opml"
check "subscription without a name is named by its URL, escaped" \
	grep -q 'xmlUrl="https://other.example.org/atom?x=1&amp;y=2"' "$opml"
check "outlet feed listed" \
	grep -q "xmlUrl=\"${BASE}sources/coast-herald.atom\" htmlUrl=\"${BASE}sources/coast-herald.html\"" "$opml"
check "dateModified is RFC 822" grep -q '<dateModified>Wed, 19 Nov 2025 00:00:00 GMT</dateModified>' "$opml"

# Pages link the feeds.
check "index links sources.opml" grep -q 'href="sources.opml"' "$pub/index.html"
check "index autodiscovers feed.json" \
	grep -q '<link rel="alternate" type="application/feed+json" title="World Desk" href="feed.json">' "$pub/index.html"
check "source page autodiscovers its feed" \
	grep -q '<link rel="alternate" type="application/atom+xml" title="Coast Herald" href="coast-herald.atom">' "$pub/sources/coast-herald.html"
check "outlet feed has the outlet's stories (feed_size of them)" \
	[ "$(entries "$pub/sources/coast-herald.atom")" -eq 2 ]
check "four stories" [ "$(ls "$pub/stories" | wc -l)" -eq 4 ]

# Without [site] link: one warning, exit 0, relative links.
plain=$(new_site plain)
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$plain" build 2>&1)
check "exit 0 without link" [ $? -eq 0 ]
check "one warning about relative links ($out)" \
	[ "$(grep -c 'warning: feed links are relative until \[site\] link is set' <<<"$out")" -eq 1 ]
check "relative self link" grep -q '<link rel="self" href="feed.atom"' "$plain/public/feed.atom"
check "JSON Feed without link has no relative URLs" $PY - "$plain/public/feed.json" "$CHECK" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[2])
import feedcheck
f = feedcheck.check_jsonfeed(sys.argv[1], None)
assert "feed_url" not in f and "home_page_url" not in f
assert all("url" not in i for i in f["items"])
PYEOF
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$plain" build 2>&1)
check "-q silences the warning" [ -z "$out" ]

# Relative links resolve from the document that holds them.
printf '[site]\nfeed_size = 1\n' >"$plain/chorus.ini"
cp "$site/seeds/bridge.txt" "$plain/seeds/"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$plain" build
check "relative prev-archive" \
	grep -q '<link rel="prev-archive" href="archive/1.atom"' "$plain/public/feed.atom"
check "relative archive links" grep -q '<link rel="current" href="../feed.atom"' "$plain/public/archive/1.atom"
check "relative archive self link" grep -q '<link rel="self" href="../archive/1.atom"' "$plain/public/archive/1.atom"
check "relative entry link from the archive" \
	grep -q '<link rel="alternate" href="../stories/engineers-close-kestrel-bridge-for-cable-inspection.html"' "$plain/public/archive/1.atom"
check "relative archive validates" \
	xmllint --noout --relaxng "$RNG" "$plain/public/archive/1.atom"
finish
