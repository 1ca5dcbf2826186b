# Acceptance 4: a site whose articles carry script tags, event handlers,
# javascript: links, CSS expressions and remote media: in a real RSS feed
# in seeds/ (read by chorus's feed parser), in feed HTML put straight into
# the store by hostile_site (the renderer must sanitise it again), and in
# plain text (a seeds/ article). Every page is loaded in headless
# Chromium: no dialog, no console output, no error and no request beyond
# the page and style.css may come of it. The payloads' harmless parts must
# be on the pages, so the HTML really went through the sanitiser to them.
# Every address a payload could load is on loopback port 9 (articles'
# links, the base of their relative URLs, included), which Chromium
# refuses to connect to: even if the sanitiser regressed, nothing would be
# sent off this machine, and the harness would still see the request.
. "$CHORUS_SRC/tests/e2e/lib.sh"
if [ ! -x /usr/bin/chromium ]; then
	echo "SKIP: /usr/bin/chromium is not installed (apt-get install chromium)"
	exit 77
fi
: "${CHORUS_HOSTILE_SITE:?set CHORUS_HOSTILE_SITE to the hostile_site driver}"
PY=/usr/bin/python3
CDP=$CHORUS_SRC/tests/browser/cdp.py
site=$TMP/hostile
mkdir -p "$site/seeds"
cat >"$site/seeds/plain-payload.txt" <<'ART'
Title: <script>alert('xss-title')</script> Storm Ophelia <img src=x onerror=alert('xss-title-img')>
Source: Plain <b onmouseover=alert('xss-source')>Text</b> Times
Link: javascript:alert('xss-article-link')
Author: <svg onload=alert('xss-author')>

Storm Ophelia brought winds of 150 km/h to Cork and Kerry on Monday. <script>alert('xss-body')</script> Thousands of homes lost power across Munster and schools stayed closed. <a href="javascript:alert('xss-body-link')">ESB Networks</a> crews worked through the night to restore supply in Cork and Kerry.
ART
# And a real feed in seeds/, read by chorus's own feed parser: its items'
# descriptions carry the same kinds of payload, escaped in the XML.
cat >"$site/seeds/hostile-feed.rss" <<'RSS'
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Feed &lt;script&gt;alert('xss-feed-title')&lt;/script&gt; Wire</title>
<link>http://127.0.0.1:9/</link>
<description>hostile</description>
<item>
<title>Ophelia: Cork and Kerry clean up after the storm</title>
<link>http://127.0.0.1:9/feed-1</link>
<guid>http://127.0.0.1:9/feed-1</guid>
<pubDate>Wed, 19 Nov 2025 09:00:00 GMT</pubDate>
<description>&lt;p&gt;SAFE-feed kept.&lt;/p&gt;&lt;script&gt;alert('xss-feed-script')&lt;/script&gt;&lt;img src="x" onerror="alert('xss-feed-img')"&gt;&lt;a href="javascript:alert('xss-feed-link')"&gt;link&lt;/a&gt;&lt;p style="width: expression(alert('xss-feed-css'))" onmouseover="alert('xss-feed-over')"&gt;Storm Ophelia brought winds of 150 km/h to Cork and Kerry on Monday. Thousands of homes lost power across Munster.&lt;/p&gt;&lt;iframe src="javascript:alert('xss-feed-iframe')"&gt;&lt;/iframe&gt;</description>
</item>
<item>
<title>Munster power cuts: ESB crews work through the night</title>
<link>javascript:alert('xss-feed-item-link')</link>
<guid isPermaLink="false">feed-2</guid>
<pubDate>Wed, 19 Nov 2025, 10:00:00 GMT</pubDate>
<description><![CDATA[<p>SAFE-cdata kept.</p><svg onload="alert('xss-feed-svg')"></svg><video poster="http://127.0.0.1:9/p.jpg" src="http://127.0.0.1:9/v.mp4">Fallback</video><a href="vbscript:msgbox('xss-feed-vb')">vb</a><div style="background:url(http://127.0.0.1:9/bg.png)">ESB Networks crews worked through the night to restore supply in Cork and Kerry after Storm Ophelia.</div>]]></description>
</item>
</channel></rss>
RSS
"$CHORUS_HOSTILE_SITE" "$site" "$CHORUS_SRC/tests/browser/hostile.json"
check "hostile articles stored" [ $? -eq 0 ]
out=$(SOURCE_DATE_EPOCH=$CHORUS_SEEDS_EPOCH "$CHORUS" -C "$site" build 2>&1)
check "build exits 0 ($out)" [ $? -eq 0 ]
pub=$site/public

# The markup on disk: nothing executable, the harmless parts kept.
html=$(cat "$pub"/*.html "$pub"/stories/*.html "$pub"/sources/*.html)
# Every element and attribute as a browser's parser sees them.
$PY - "$pub" <<'PYEOF'
import html.parser, os, re, sys
root = sys.argv[1]
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster",
             "background", "cite", "longdesc", "lowsrc", "dynsrc", "icon"}
BANNED = {"script", "iframe", "object", "embed", "form", "base", "style",
          "frame", "frameset", "applet", "svg", "math", "img", "video",
          "audio", "source"}
problems = []

class Check(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        where = "%s: <%s>" % (self.page, tag)
        if tag in BANNED:
            problems.append(where + " element")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            problems.append(where + " http-equiv")
        for k, v in attrs:
            v = v or ""
            if k.startswith("on"):
                problems.append("%s %s= handler" % (where, k))
            if k in URL_ATTRS:
                url = re.sub(r"[\x00-\x20]", "", v).lower()
                ok = (url.startswith(("http://", "https://", "mailto:", "#"))
                      or not re.match(r"^[a-z][a-z0-9+.-]*:", url)
                      or (tag == "link" and v == "data:,"))
                if not ok:
                    problems.append("%s %s=%r" % (where, k, v))
                if k != "href" and k != "cite":
                    problems.append("%s loads %s=%r" % (where, k, v))
                if tag == "link" and "127.0.0.1" in v:
                    problems.append("%s %s=%r" % (where, k, v))
            if k == "style" and re.search(r"expression|url\(|behavior|binding", v, re.I):
                problems.append("%s style=%r" % (where, v))

n = 0
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".html"):
            c = Check()
            c.page = os.path.relpath(os.path.join(d, f), root)
            c.feed(open(os.path.join(d, f), encoding="utf-8").read())
            n += 1
for p in problems:
    print("FAIL: " + p)
print("%d pages parsed, %d problems" % (n, len(problems)))
sys.exit(1 if problems or n < 8 else 0)
PYEOF
check "no executable or loading markup on any page" [ $? -eq 0 ]
for marker in SAFE-script SAFE-handlers SAFE-links SAFE-css SAFE-style SAFE-media SAFE-feed SAFE-cdata; do
	check "sanitised summary reached a page: $marker" grep -q "$marker kept" <<<"$html"
done
check "a safe link in feed HTML survives" grep -q 'href="https://example.org/ophelia"' <<<"$html"
check "allowed CSS survives" grep -q 'style="color: red; font-weight: bold;"' <<<"$html"
check "a remote image becomes a link" \
	grep -q '<a class="remote-media" href="http://127.0.0.1:9/photo.jpg">Image: Flooded quay in Cork</a>' <<<"$html"
check "a javascript: Link header gives no link" \
	[ "$(grep -c "xss-article-link" <<<"$html")" -eq 0 ]
check "plain-text markup is escaped, not dropped" \
	grep -q "&lt;script&gt;alert(&#39;xss-title&#39;)&lt;/script&gt;" <<<"$html"

# The browser: every page, nothing runs, nothing is fetched.
pages="index.html about.html"
for f in "$pub"/stories/*.html "$pub"/sources/*.html; do
	pages="$pages ${f#"$pub"/}"
done
$PY "$CDP" "$pub" $pages >"$TMP/hostile.json"
check "harness ran on the hostile site" [ $? -eq 0 ]
$PY - "$TMP/hostile.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
origin = d["origin"]
bad = 0
for p in d["pages"]:
    allowed = {p["url"], origin + "style.css"}
    problems = [k for k in ("external", "console", "errors", "dialogs") if p[k]]
    extra = set(p["requests"]) - allowed
    if extra or problems or not p["loaded"]:
        bad += 1
        print("FAIL: %s: loaded=%s extra requests=%s %s" % (
            p["url"], p["loaded"], sorted(extra),
            {k: p[k] for k in problems}))
    else:
        print("ok: %s: no script ran, %d local requests" % (p["url"][len(origin):], len(p["requests"])))
print("%d pages loaded" % len(d["pages"]))
sys.exit(1 if bad or len(d["pages"]) < 8 else 0)
PYEOF
check "no payload ran in the browser: no dialog, console output, error or request" [ $? -eq 0 ]
finish
