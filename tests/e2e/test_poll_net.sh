# chorus poll and the network: a server too slow (the timeout), a reset
# connection, an endless body (the size cap), gzip, and many feeds on one
# host (never more transfers at once than the per-host cap, read from the
# server's own log of when each request started and ended).
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

srv=$TMP/srv
mkdir -p "$srv"
rss "Net" "n1|One|First text." >"$srv/feed.xml"
cat >"$srv/script.json" <<JSON
{"/slow": {"delay": 6, "body_file": "feed.xml"},
 "/reset": {"reset": true},
 "/endless": {"endless": true, "headers": {"Content-Type": "application/rss+xml"}},
 "/big": {"body": "<rss version=\"2.0\"><channel><title>$(head -c 300000 /dev/zero | tr '\0' 'x')</title></channel></rss>"},
 "/gz": {"gzip": true, "body_file": "feed.xml"}
JSON
for i in $(seq 1 8); do
	printf ',\n "/c%d": {"delay": 0.4, "body_file": "feed.xml"}' "$i" >>"$srv/script.json"
done
echo '}' >>"$srv/script.json"
start_server "$srv"

site=$(poll_site net)
cat >>"$site/chorus.ini" <<INI
[poll]
timeout = 2
connect_timeout = 2
max_feed_bytes = 100000
INI
for p in slow reset endless big gz; do
	printf '[feed "%s/%s"]\n' "$BASE" "$p" >>"$site/chorus.ini"
done
start=$(date +%s%N)
out=$("$CHORUS" -C "$site" poll 2>&1)
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
check "failures exit 1" [ $rc -eq 1 ]
check "the slow server times out ($out)" grep -q "$BASE/slow: Timeout was reached" <<<"$out"
check "… after the 2 s timeout, not the 6 s delay ($took ms)" [ "$took" -lt 4500 ]
check "the reset is a failure ($out)" grep -Eq "$BASE/reset: (Failure when receiving data from the peer|Server returned nothing|Recv failure)" <<<"$out"
check "the endless body hits the cap ($out)" grep -q "$BASE/endless: the body is over the size cap (100000 bytes)" <<<"$out"
check "a declared body over the cap too ($out)" grep -q "$BASE/big: the body is over the size cap (100000 bytes)" <<<"$out"
check "gzip: sent compressed" grep -q gzip <<<"$(header /gz 0 accept-encoding)"
check "gzip: decoded and stored" [ "$(articles "$site")" -eq 1 ]
check "the endless body was cut short" [ "$(sql "$site" "SELECT bytes FROM fetches WHERE url='$BASE/endless'")" -le 200000 ]
check "backoff after a timeout" [ "$(sql "$site" "SELECT failures FROM feeds WHERE url='$BASE/slow'")" -eq 1 ]

# Eight feeds on one host, each answer taking 0.4 s.
site=$(poll_site cap)
for i in $(seq 1 8); do
	printf '[feed "%s/c%d"]\n' "$BASE" "$i" >>"$site/chorus.ini"
done
"$CHORUS" -q -C "$site" poll
check "default cap: all 8 fetched" [ "$(q "len([r for r in log if r['path'].startswith('/c')])")" -eq 8 ]
most=$(q "overlap(['/c%d' % i for i in range(1, 9)])")
check "default cap: never more than 2 at once (saw $most)" [ "$most" -eq 2 ]
: >"$srv/log.jsonl"
printf '[poll]\nper_host = 4\n' >>"$site/chorus.ini"
"$CHORUS" -q -C "$site" poll --force
most=$(q "overlap(['/c%d' % i for i in range(1, 9)])")
check "per_host = 4: more than 2 at once, never more than 4 (saw $most)" [ "$most" -ge 3 ] && [ "$most" -le 4 ]
finish
