# chorus poll against a scripted server: what goes out on the wire (User-
# Agent, Accept-Encoding, no cookies, no Referer), gzip, conditional GET
# with the raw validators, the schedule (10 polls make one request, one
# conditional request after the interval), and items stored, updated,
# never duplicated.
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

srv=$TMP/srv
mkdir -p "$srv"
rss "Daily Planet" "a1|Plan drafted|The plan has points." \
	"a2|Talks resume|Envoys met again." "a1|Plan drafted|The plan has points." >"$srv/v1.xml"
rss "Daily Planet" "a1|Plan drafted|The plan now has more points." \
	"a2|Talks resume|Envoys met again." "a3|Vote due|A vote is due." >"$srv/v2.xml"
LM='Sat, 21 Nov 2026 10:00:00 GMT'
cat >"$srv/script.json" <<JSON
{"/feed": [
  {"headers": {"ETag": "W/\"v1\"", "Last-Modified": "$LM", "Set-Cookie": "s=1"}, "conditional": true, "gzip": true, "body_file": "v1.xml"},
  {"headers": {"ETag": "W/\"v1\"", "Last-Modified": "$LM"}, "conditional": true, "gzip": true, "body_file": "v1.xml"},
  {"headers": {"ETag": "\"v1b\"", "Last-Modified": "$LM"}, "gzip": true, "body_file": "v1.xml"},
  {"headers": {"ETag": "\"v2\""}, "conditional": true, "body_file": "v2.xml"}
]}
JSON
start_server "$srv"
site=$(poll_site basic)
out=$("$CHORUS" -C "$site" add "$BASE/feed" --name "Daily Planet" 2>&1)
check "add exits 0 ($out)" [ $? -eq 0 ]
printf 'interval = 8\n' >>"$site/chorus.ini"

t0=$(date +%s%N)
out=$("$CHORUS" -C "$site" poll 2>&1)
check "first poll exits 0 ($out)" [ $? -eq 0 ]
check "one summary line ($out)" [ "$(wc -l <<<"$out")" -eq 1 ]
check "summary counts 2 new articles ($out)" grep -q "2 articles new" <<<"$out"
check "one request" [ "$(requests /feed)" -eq 1 ]
check "User-Agent names chorus and the site" \
	[ "$(header /feed 0 user-agent)" = "chorus/0.1.0 (+https://news.example.org/)" ]
ae=$(header /feed 0 accept-encoding)
check "gzip accepted ($ae)" grep -q gzip <<<"$ae"
check "br accepted ($ae)" grep -q br <<<"$ae"
check "zstd accepted ($ae)" grep -q zstd <<<"$ae"
check "deflate accepted ($ae)" grep -q deflate <<<"$ae"
check "no Referer" [ "$(header /feed 0 referer)" = None ]
check "no validators on the first request" [ "$(header /feed 0 if-none-match)" = None ]
check "the same item twice is one article" [ "$(articles "$site")" -eq 2 ]
check "articles come from the named outlet" \
	[ "$(sql "$site" "SELECT name FROM sources s JOIN articles a ON a.source_id=s.id LIMIT 1")" = "Daily Planet" ]

# Acceptance 2: ten polls in a row make no further request.
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$CHORUS" -q -C "$site" poll || fail "poll $i exited $?"
done
check "10 polls make no new request (got $(requests /feed))" [ "$(requests /feed)" -eq 1 ]

# After the interval (8 s from the first poll): one conditional request,
# validators byte for byte.
left=$((8600 - ($(date +%s%N) - t0) / 1000000))
[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
"$CHORUS" -q -C "$site" poll
check "after the interval, one more request" [ "$(requests /feed)" -eq 2 ]
check "If-None-Match is the raw ETag" [ "$(header /feed 1 if-none-match)" = 'W/"v1"' ]
check "If-Modified-Since is the raw Last-Modified" [ "$(header /feed 1 if-modified-since)" = "$LM" ]
check "no Cookie sent back" [ "$(header /feed 1 cookie)" = None ]
check "answered 304" [ "$(q "on('/feed')[1]['status']")" = 304 ]
check "fetch log records the 304 and what was sent" \
	[ "$(sql "$site" "SELECT status || ' ' || sent_etag FROM fetches ORDER BY id DESC LIMIT 1")" = '304 W/"v1"' ]

# A 200 with an unchanged body still updates the validators.
out=$("$CHORUS" -C "$site" poll --force 2>&1)
check "forced poll exits 0" [ $? -eq 0 ]
check "unchanged body: nothing new ($out)" grep -q "0 articles new, 0 changed" <<<"$out"
"$CHORUS" -q -C "$site" poll --force
check "the new ETag goes back" [ "$(header /feed 3 if-none-match)" = '"v1b"' ]
"$CHORUS" -q -C "$site" poll --force
check "a 200 without Last-Modified: none sent after it" [ "$(header /feed 4 if-modified-since)" = None ]
check "… and its ETag is" [ "$(header /feed 4 if-none-match)" = '"v2"' ]
check "changed item updated, new one added, none duplicated" [ "$(articles "$site")" -eq 3 ]
check "the changed text is stored" \
	[ "$(sql "$site" "SELECT count(*) FROM article_texts WHERE text LIKE '%more points%'")" -eq 1 ]
check "fetch log has every fetch" [ "$(sql "$site" "SELECT count(*) FROM fetches")" -eq 5 ]

out=$("$CHORUS" -C "$site" list)
check "list shows the feed healthy ($out)" grep -q "^ok .* 304 .* 0  *3  $BASE/feed (Daily Planet)" <<<"$out"
finish
