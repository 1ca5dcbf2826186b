# The pages of a built site, as a reader's tools see them: every page has
# lang, a title, one h1 and headings in order (no skipped level), the
# landmarks (header, nav, main, footer), a skip link, the feed
# autodiscovery links, Open Graph title and description, the stylesheet,
# no script and nothing that loads from elsewhere; the index links every
# story, the about page every source. Also the stable pagination: with
# page_size 2 and five stories, index.html shows the two latest and
# page/1.html … page/3.html hold them all by when they broke.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

site=$(new_site pages)
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build 2>/dev/null
check "build exits 0" [ $? -eq 0 ]

# check_pages PUBLIC: the per-page rules; prints one line per problem.
check_pages() {
	$PY - "$1" <<'PYEOF'
import html.parser, os, sys
root = sys.argv[1]
bad = 0

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.headings = [], [], []
        self.title, self.in_title = "", False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs.append((tag, a))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        self.in_title = tag == "title"
    def handle_endtag(self, tag):
        self.in_title = False
    def handle_data(self, d):
        if self.in_title:
            self.title += d

n = 0
for d, _, files in os.walk(root):
    for f in sorted(files):
        if not f.endswith(".html"):
            continue
        path = os.path.join(d, f)
        rel = os.path.relpath(path, root)
        p = Page()
        p.feed(open(path, encoding="utf-8").read())
        n += 1
        problems = []
        html_attrs = [a for t, a in p.attrs if t == "html"]
        if not html_attrs or not html_attrs[0].get("lang"):
            problems.append("no lang")
        if not p.title.strip():
            problems.append("no title")
        for lm in ("header", "nav", "main", "footer"):
            if lm not in p.tags:
                problems.append("no <%s>" % lm)
        if p.headings.count(1) != 1 or not p.headings or p.headings[0] != 1:
            problems.append("not exactly one h1 first: %s" % p.headings)
        for x, y in zip(p.headings, p.headings[1:]):
            if y > x + 1:
                problems.append("heading h%d after h%d" % (y, x))
        metas = {a.get("property") or a.get("name"): a.get("content")
                 for t, a in p.attrs if t == "meta"}
        for m in ("og:title", "og:description", "description", "viewport"):
            if not metas.get(m):
                problems.append("no %s" % m)
        links = [(a.get("rel"), a.get("type")) for t, a in p.attrs if t == "link"]
        for want in (("alternate", "application/atom+xml"),
                     ("alternate", "application/feed+json"),
                     ("stylesheet", None)):
            if want not in links:
                problems.append("no link %s %s" % want)
        if not any(t == "a" and a.get("href") == "#main" for t, a in p.attrs):
            problems.append("no skip link")
        if "script" in p.tags:
            problems.append("a script")
        for t, a in p.attrs:
            for k in ("src", "srcset", "poster", "background"):
                if k in a:
                    problems.append("<%s %s=%s> loads something" % (t, k, a[k]))
            if t == "link" and a.get("rel") in ("stylesheet", "icon") and \
                    ("//" in a.get("href", "") and not a["href"].startswith("data:")):
                problems.append("<link> from elsewhere: %s" % a["href"])
        if problems:
            bad += 1
            print("FAIL: %s: %s" % (rel, "; ".join(problems)))
print("%d pages checked" % n)
sys.exit(1 if bad or n == 0 else 0)
PYEOF
}
check "every page: lang, title, headings, landmarks, feeds, OG, no script" \
	check_pages "$site/public"
pub=$site/public
check "no staging folder left after a build" [ ! -e "$pub/.chorus-staging" ]
# What a killed run leaves in the staging folder goes with the next run.
mkdir -p "$pub/.chorus-staging" && echo junk >"$pub/.chorus-staging/7.tmp"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build 2>/dev/null
check "a killed run's staged files are removed" [ ! -e "$pub/.chorus-staging" ]
check "about page" test -s "$pub/about.html"
for s in "$pub"/sources/*.html; do
	check "about lists $(basename "$s")" \
		grep -q "href=\"sources/$(basename "$s")\"" "$pub/about.html"
done
check "story page shows the time" grep -q '<time datetime="2025-11-19T00:00:00Z">' "$pub"/stories/*.html
check "story page names each outlet with a link to its page" \
	[ "$(grep -c 'class="outlet" href="../sources/' "$pub"/stories/*.html)" -eq 5 ]
check "index item: count of sources and their names" \
	grep -q '<span class="count">5 sources</span>: <a href="sources/' "$pub/index.html"
check "style.css has a dark scheme" grep -q 'prefers-color-scheme: dark' "$pub/style.css"
check "style.css has visible focus" grep -q 'focus-visible' "$pub/style.css"

# Subscriptions: the about page lists each [feed] with its health.
cat >"$site/chorus.ini" <<'INI'
[site]
title = Pages Test
page_size = 2
[feed "https://feeds.example.org/world.xml"]
name = Example World
INI
story() { # FILE DATE SOURCE TITLE TEXT
	printf 'Title: %s\nSource: %s\nDate: %s\n\n%s\n' "$4" "$3" "$2" "$5" >"$site/seeds/$1.txt"
}
story fete 2025-11-21T10:00:00Z "Village Voice" "Village fete raises money for church roof" \
	"The fete in Ballymore raised four thousand euro for the church roof on Saturday. Volunteers baked scones and the brass band played until dusk."
story chess 2025-11-22T10:00:00Z "Board Weekly" "Teenager wins national chess championship in Galway" \
	"A sixteen-year-old from Tuam won the national chess championship in Galway after a tense endgame. She will represent Ireland at the olympiad in Budapest."
story bridge 2025-11-23T10:00:00Z "Engineering Today" "New cable bridge opens over the river Shannon" \
	"Engineers opened a cable-stayed bridge across the Shannon at Limerick on Sunday. The span carries cyclists and buses and cost ninety million."
story comet 2025-11-24T10:00:00Z "Sky Notes" "Astronomers spot a bright comet in the evening sky" \
	"Amateur astronomers in Kerry photographed a bright comet low in the western sky. Observatories expect it to brighten through December."
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build 2>/dev/null
check "rebuild exits 0" [ $? -eq 0 ]
check "pages still pass after the rebuild" check_pages "$pub"
check "about lists the subscription" grep -q 'href="https://feeds.example.org/world.xml"' "$pub/about.html"
check "about names the subscription" grep -q 'Example World' "$pub/about.html"
check "about has the health columns" grep -q '<th scope="col">Last fetch</th><th scope="col">Status</th><th scope="col">Next poll</th>' "$pub/about.html"
n=$(ls "$pub"/stories/*.html | wc -l)
check "five stories ($n)" [ "$n" -eq 5 ]
check "index shows page_size stories" [ "$(grep -c 'class="story-item"' "$pub/index.html")" -eq 2 ]
check "three archive pages" [ "$(ls "$pub"/page/*.html | wc -l)" -eq 3 ]
check "index links to the newest archive page" grep -q 'href="page/3.html"' "$pub/index.html"
check "page 1 holds the two oldest, links newer to page 2" grep -q 'href="2.html"' "$pub/page/1.html"
check "every story is on an archive page" \
	[ "$(cat "$pub"/page/*.html | grep -c 'class="story-item"')" -eq 5 ]
# The oldest page keeps its bytes when a new story arrives.
before=$(md5sum <"$pub/page/1.html")
cat >"$site/seeds/other-5.txt" <<'ART'
Title: Lighthouse keepers on the Aran Islands vote to strike over pay
Source: Island Times
Date: 2025-11-28T09:00:00Z

Keepers of three lighthouses on the Aran Islands voted to strike on Friday over pay. The Commissioners of Irish Lights said talks would resume next week.
ART
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$site" build 2>/dev/null
check "a full archive page does not change when a story arrives" \
	[ "$(md5sum <"$pub/page/1.html")" = "$before" ]

# Views taken from the render cache are the views computed afresh: a site
# rendered again from its cache (public/ deleted) equals a site built
# without one, here with an exact copy of an article, which a story shows
# once.
a=$(new_site cache-a)
b=$(new_site cache-b)
cp "$a/seeds/001_c58b7bd601761270.txt" "$a/seeds/copy-of-001.txt"
cp "$a/seeds/001_c58b7bd601761270.txt" "$b/seeds/copy-of-001.txt"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$a" build 2>/dev/null
check "cache site builds" [ $? -eq 0 ]
check "the render cache is kept" test -s "$a/.chorus/render.cache"
rm -rf "$a/public"
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$a" build 2>/dev/null
SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -q -C "$b" build 2>/dev/null
check "pages from cached views equal pages from computed views" \
	diff -r "$a/public" "$b/public"
finish
