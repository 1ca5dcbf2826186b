# Feed documents in seeds/ (issue 3): an RSS file and an Atom file beside
# the five seed articles build one site in which the feed entries about
# the same story join the seed articles' story, each feed being an outlet,
# and an unrelated entry founds a story of its own.
. "$(dirname "$0")/lib.sh"

site=$(new_site feeds)
cat >"$site/seeds/wire.rss" <<'RSS'
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>Harbour Wire</title>
<link>https://wire.example/</link>
<item>
<title>Trump envoy Witkoff drafts secret 28-point Ukraine peace plan with Russia's Dmitriev</title>
<link>https://wire.example/2025/11/ukraine-peace-plan</link>
<guid>https://wire.example/2025/11/ukraine-peace-plan</guid>
<pubDate>Wed, 19 Nov 2025 09:00:00 GMT</pubDate>
<description>&lt;p&gt;The Trump administration has secretly been drafting a new 28-point plan to end the war in Ukraine, according to Axios, citing US and Russian officials.&lt;/p&gt;&lt;p&gt;Trump's special envoy Steve Witkoff held extensive talks with Russian envoy Kirill Dmitriev, who heads Russia's sovereign wealth fund. The framework covers peace in Ukraine, security guarantees, security in Europe and future US relations with Russia and Ukraine, and is modelled on the Gaza agreement. Ukrainian officials remain largely outside the process.&lt;/p&gt;</description>
</item>
<item>
<title>Heavy rain floods the streets of Lisbon as a storm batters Portugal</title>
<link>https://wire.example/2025/11/lisbon-floods</link>
<pubDate>Wed, 19 Nov 2025 10:00:00 GMT</pubDate>
<description>Torrential rain swept across Lisbon on Tuesday, flooding streets in the Alfama district and closing several metro stations. Firefighters rescued residents trapped in cars, and the city council opened emergency shelters in schools.</description>
</item>
</channel>
</rss>
RSS
cat >"$site/seeds/journal.atom" <<'ATOM'
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Evening Journal</title>
<id>tag:journal.example,2025:feed</id>
<link href="https://journal.example/"/>
<updated>2025-11-19T11:00:00Z</updated>
<entry>
<title>US and Russia secretly work on Ukraine peace plan modelled on Gaza deal</title>
<id>tag:journal.example,2025:ukraine-plan</id>
<link href="https://journal.example/ukraine-plan"/>
<updated>2025-11-19T11:00:00Z</updated>
<content type="html">&lt;p&gt;Washington and Moscow have held secret consultations on a peace plan for Ukraine, according to Axios. Trump's envoy Steve Witkoff met Russian envoy Kirill Dmitriev in Miami for three days of talks on a 28-point roadmap to end the war, with security guarantees for Ukraine and for Europe, similar to the Gaza agreement.&lt;/p&gt;</content>
</entry>
</feed>
ATOM

out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "build exits 0 ($out)" [ $? -eq 0 ]
check "seven source files read" grep -q "7 source files (7 read, 0 failed)" <<<"$out"
check "eight articles: five seeds and three feed entries" \
	grep -q "8 articles (8 new, 0 changed)" <<<"$out"
check "two stories" grep -q " 2 stories" <<<"$out"
pub=$site/public
check "two story pages" [ "$(ls "$pub/stories" | wc -l)" -eq 2 ]
check "each feed is an outlet with a source page" \
	[ -n "$(grep -l 'Harbour Wire' "$pub"/sources/*.html)" ] &&
	[ -n "$(grep -l 'Evening Journal' "$pub"/sources/*.html)" ]
big=$(grep -l "Witkoff" "$pub"/stories/*.html | head -1)
check "the peace-plan story cites the RSS entry" \
	grep -q "https://wire.example/2025/11/ukraine-peace-plan" "$big"
check "the peace-plan story cites the Atom entry" \
	grep -q "https://journal.example/ukraine-plan" "$big"
check "the peace-plan story cites The Independent's seed" grep -q "The Independent" "$big"
floods=$(grep -l "Lisbon" "$pub"/stories/*.html | head -1)
check "the floods entry is a story of its own" [ -n "$floods" ] && [ "$floods" != "$big" ]
check "feed.atom validates" \
	xmllint --noout --relaxng "$CHORUS_SHARED/conformance/atom/atom.rng" "$pub/feed.atom"

# A feed that is not one is reported and skipped; the build goes on.
echo '<html><body>not a feed</body></html>' >"$site/seeds/page.xml"
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "a non-feed .xml makes exit status 1" [ $? -eq 1 ]
check "it is named on stderr" grep -q "page.xml" <<<"$out"
check "nothing else changes: still two stories" [ "$(ls "$pub/stories" | wc -l)" -eq 2 ]
finish
