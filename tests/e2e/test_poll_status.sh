# How chorus poll answers each HTTP status, read from what the scripted
# server received: 301/308 (followed; after 3 polls chorus.ini is
# rewritten), 302/307 (followed, URL kept), 410 (retired), 429/503 with
# Retry-After in seconds and as a date, other errors (backoff), redirect
# loops, more than 5 hops, and redirects to other schemes.
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

srv=$TMP/srv
mkdir -p "$srv"
rss "Wire" "w1|One|First text." "w2|Two|Second text." >"$srv/feed.xml"
sed 's|<channel>|<channel><ttl>90</ttl>|' "$srv/feed.xml" >"$srv/ttl.xml"
ok='{"headers": {"ETag": "\"e1\""}, "conditional": true, "body_file": "feed.xml"}'
cat >"$srv/script.json" <<JSON
{"/old": {"status": 301, "headers": {"Location": "http://127.0.0.1:{port}/new"}},
 "/new": $ok,
 "/old308": {"status": 308, "headers": {"Location": "/new308"}},
 "/new308": $ok,
 "/tmp302": {"status": 302, "headers": {"Location": "/tmp307"}},
 "/tmp307": {"status": 307, "headers": {"Location": "/t-final"}},
 "/t-final": $ok,
 "/mixed": {"status": 301, "headers": {"Location": "/mixed2"}},
 "/mixed2": {"status": 302, "headers": {"Location": "/new"}},
 "/gone": [$ok, {"status": 410}],
 "/busy": {"status": 429, "headers": {"Retry-After": "120"}},
 "/down": {"status": 503, "headers": {"Retry-After": "{date+3600}"}},
 "/fine": $ok,
 "/broken": [$ok, {"status": 500}],
 "/garbage": [$ok, {"headers": {"ETag": "\"g\""}, "body": "this is not a feed at all"}],
 "/loop1": {"status": 302, "headers": {"Location": "/loop2"}},
 "/loop2": {"status": 302, "headers": {"Location": "/loop1"}},
 "/h0": {"status": 302, "headers": {"Location": "/h1"}},
 "/h1": {"status": 302, "headers": {"Location": "/h2"}},
 "/h2": {"status": 302, "headers": {"Location": "/h3"}},
 "/h3": {"status": 302, "headers": {"Location": "/h4"}},
 "/h4": {"status": 302, "headers": {"Location": "/h5"}},
 "/h5": {"status": 302, "headers": {"Location": "/h6"}},
 "/h6": $ok,
 "/tofile": {"status": 302, "headers": {"Location": "file:///etc/passwd"}},
 "/cc": {"headers": {"Cache-Control": "public, max-age=3600"}, "body_file": "feed.xml"},
 "/exp": {"headers": {"Expires": "{date+7200}"}, "body_file": "feed.xml"},
 "/ttl": {"body_file": "ttl.xml"},
 "/late1": {"status": 500, "delay": 1.2},
 "/late2": {"status": 500, "delay": 1.2}
}
JSON
start_server "$srv"

# --- Permanent moves -------------------------------------------------------
site=$(poll_site moves)
cat >>"$site/chorus.ini" <<INI
; the wire service, moved in 2026
[feed "$BASE/old"]
name = Wire   ; keep this comment
interval = 7200

; untouched
[feed "$BASE/old308"]
[feed "$BASE/tmp302"]
[feed "$BASE/mixed"]
INI
cp "$site/chorus.ini" "$TMP/moves.ini.orig"
for n in 1 2; do
	out=$("$CHORUS" -C "$site" poll --force 2>&1)
	check "move poll $n exits 0 ($out)" [ $? -eq 0 ]
done
check "chorus.ini untouched after 2 polls" cmp -s "$site/chorus.ini" "$TMP/moves.ini.orig"
out=$("$CHORUS" -C "$site" list)
check "list says moving ($out)" grep -q "^moving .*$BASE/old (Wire): moved to $BASE/new (2 of 3 polls)" <<<"$out"
out=$("$CHORUS" -C "$site" poll --force 2>&1)
check "third poll says the feed moved ($out)" grep -q "$BASE/old moved permanently to $BASE/new" <<<"$out"
check "chorus.ini now subscribes to the new URL" grep -qF "[feed \"$BASE/new\"]" "$site/chorus.ini"
check "… and not the old one" nope grep -qF "[feed \"$BASE/old\"]" "$site/chorus.ini"
expected=$(sed "s|\[feed \"$BASE/old\"\]|[feed \"$BASE/new\"]|" "$TMP/moves.ini.orig")
expected=$(sed "s|\[feed \"$BASE/old308\"\]|[feed \"$BASE/new308\"]|" <<<"$expected")
check "every other line kept, comments too" [ "$expected" = "$(cat "$site/chorus.ini")" ]
[ "$expected" = "$(cat "$site/chorus.ini")" ] || diff <(echo "$expected") "$site/chorus.ini" >&2
check "the old URL was asked 3 times" [ "$(requests /old)" -eq 3 ]
"$CHORUS" -q -C "$site" poll --force
check "then the new URL is asked directly" [ "$(requests /old)" -eq 3 ]
check "… conditionally, with the ETag of its 200" [ "$(header /new -1 if-none-match)" = '"e1"' ]
check "the state followed the move" [ "$(sql "$site" "SELECT count(*) FROM feeds WHERE url='$BASE/new'")" -eq 1 ]
check "the fetch log followed the move" [ "$(sql "$site" "SELECT count(*) FROM fetches WHERE url='$BASE/new'")" -eq 4 ]
check "308 moved too" grep -qF "[feed \"$BASE/new308\"]" "$site/chorus.ini"
check "308: the old URL asked 3 times" [ "$(requests /old308)" -eq 3 ]
check "302/307: the URL is kept" grep -qF "[feed \"$BASE/tmp302\"]" "$site/chorus.ini"
check "302/307: followed every time" [ "$(requests /t-final)" -eq 4 ]
check "302/307: not a move" [ "$(sql "$site" "SELECT moved_count FROM feeds WHERE url='$BASE/tmp302'")" -eq 0 ]
check "301 then 302: not a move" grep -qF "[feed \"$BASE/mixed\"]" "$site/chorus.ini"

# --- 410, 429, 503, errors ---------------------------------------------------
site=$(poll_site codes)
for p in gone busy down fine broken garbage cc exp ttl; do
	printf '[feed "%s/%s"]\ninterval = 2\n' "$BASE" "$p" >>"$site/chorus.ini"
done
out=$("$CHORUS" -C "$site" poll 2>&1)
check "first poll: everything but busy and down fine" [ $? -eq 1 ]
check "2 articles (every feed serves the same 2 keys)" [ "$(articles "$site")" -eq 2 ]
t0=$(date +%s)
out=$("$CHORUS" -C "$site" poll --force 2>&1)
rc=$?
check "a failed feed exits 1" [ $rc -eq 1 ]
check "410 said ($out)" grep -q "$BASE/gone: 410 Gone: the feed is retired" <<<"$out"
check "429 said, with Retry-After ($out)" grep -q "$BASE/busy: HTTP 429 (Retry-After: next poll in 2m)" <<<"$out"
check "503 said, with Retry-After ($out)" grep -q "$BASE/down: HTTP 503 (Retry-After: next poll in 60m)" <<<"$out"
check "500 said, with backoff ($out)" grep -q "$BASE/broken: HTTP 500; failure 1 in a row, next try in 2s" <<<"$out"
check "not a feed said ($out)" grep -q "$BASE/garbage: not a feed" <<<"$out"
wait=$(sql "$site" "SELECT next_poll - $t0 FROM feeds WHERE url='$BASE/busy'")
check "Retry-After 120 obeyed ($wait)" [ "$wait" -ge 118 ] && [ "$wait" -le 125 ]
wait=$(sql "$site" "SELECT next_poll - $t0 FROM feeds WHERE url='$BASE/down'")
check "Retry-After date obeyed ($wait)" [ "$wait" -ge 3595 ] && [ "$wait" -le 3605 ]
check "articles stay after 410, 500, garbage" [ "$(articles "$site")" -eq 2 ]
check "a body that is not a feed: its validators are not kept" \
	[ "$(sql "$site" "SELECT etag IS NULL FROM feeds WHERE url='$BASE/garbage'")" -eq 1 ]
sleep 2.2
busy=$(requests /busy) down=$(requests /down) fine=$(requests /fine)
"$CHORUS" -q -C "$site" poll 2>/dev/null
check "Retry-After holds busy back" [ "$(requests /busy)" -eq "$busy" ]
check "… and down" [ "$(requests /down)" -eq "$down" ]
check "… but not the other feeds of the host" [ "$(requests /fine)" -eq $((fine + 1)) ]
for p in cc exp ttl; do
	check "$p: the server's wait overrides the 2 s interval" [ "$(requests /$p)" -eq 2 ]
done
check "Cache-Control max-age=3600 obeyed" [ "$(sql "$site" "SELECT next_poll - last_poll FROM feeds WHERE url='$BASE/cc'")" -ge 3600 ]
w=$(sql "$site" "SELECT next_poll - last_poll FROM feeds WHERE url='$BASE/exp'")
check "Expires in 2 h obeyed ($w)" [ "$w" -ge 7195 ] && [ "$w" -le 7600 ]
check "RSS ttl 90 obeyed" [ "$(sql "$site" "SELECT next_poll - last_poll FROM feeds WHERE url='$BASE/ttl'")" -ge 5400 ]
check "backoff: 2 failures in a row" [ "$(sql "$site" "SELECT failures FROM feeds WHERE url='$BASE/broken'")" -eq 2 ]
check "backoff doubles (4 s)" [ "$(sql "$site" "SELECT next_poll - last_poll FROM feeds WHERE url='$BASE/broken'")" -ge 4 ]
"$CHORUS" -q -C "$site" poll --force 2>/dev/null
check "a retired feed is never asked again, even forced" [ "$(requests /gone)" -eq 2 ]
out=$("$CHORUS" -C "$site" list)
check "list shows retired ($out)" grep -q "^retired .* 410 .*$BASE/gone" <<<"$out"
check "list shows failing with the error" grep -q "^failing .* 500 .*$BASE/broken.*: HTTP 500; failure 3 in a row" <<<"$out"

# --- A wait counts from when the feed was asked -------------------------------
# One connection to the host: the second of two slow feeds is asked over a
# second after the run began, and its backoff still runs its full interval.
site=$(poll_site late)
printf '[poll]\nper_host = 1\n' >>"$site/chorus.ini"
for p in late1 late2; do
	printf '[feed "%s/%s"]\ninterval = 60\n' "$BASE" "$p" >>"$site/chorus.ini"
done
t0=$(date +%s)
"$CHORUS" -q -C "$site" poll 2>/dev/null
asked=$(sql "$site" "SELECT max(last_poll) - $t0 FROM feeds")
check "the second feed asked a second or more after the first ($asked)" [ "$asked" -ge 1 ]
for p in late1 late2; do
	w=$(sql "$site" "SELECT next_poll - last_poll FROM feeds WHERE url='$BASE/$p'")
	check "$p: the backoff's 60 s count from when it was asked ($w)" [ "$w" -eq 60 ]
done

# --- Redirect trouble ----------------------------------------------------------
site=$(poll_site redirects)
for p in loop1 h0 tofile; do
	printf '[feed "%s/%s"]\n' "$BASE" "$p" >>"$site/chorus.ini"
done
out=$("$CHORUS" -C "$site" poll 2>&1)
check "redirect trouble exits 1" [ $? -eq 1 ]
check "loop named ($out)" grep -q "$BASE/loop1: a redirect loop" <<<"$out"
check "loop: each URL asked once" [ "$(requests /loop1)" -eq 1 ] && [ "$(requests /loop2)" -eq 1 ]
check "6 hops named ($out)" grep -q "$BASE/h0: more than 5 redirects" <<<"$out"
check "6 hops: the 6th never asked" [ "$(requests /h5)" -eq 1 ] && [ "$(requests /h6)" -eq 0 ]
check "file:// refused ($out)" grep -q "$BASE/tofile: a redirect to file:///etc/passwd, which is not http or https" <<<"$out"
check "nothing stored from any of them" [ "$(articles "$site")" -eq 0 ]
finish
