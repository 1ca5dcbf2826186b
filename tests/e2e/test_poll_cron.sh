# Acceptance 5: `chorus refresh` from cron (no terminal, -q) prints nothing
# on success and one line per failed feed otherwise; exit 1 when a feed
# failed, 0 when all were fine or not due. Without -q: one summary line.
# On a terminal: a progress bar.
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

srv=$TMP/srv
mkdir -p "$srv"
rss "Morning Wire" "m1|Peace plan drafted in secret talks|Officials drafted a peace plan in secret talks on Tuesday." \
	"m2|Storm hits the coast|A storm hit the coast overnight." >"$srv/a.xml"
rss "Evening Post" "e1|Secret talks draft a peace plan|A peace plan was drafted in secret talks, officials said." >"$srv/b.xml"
cat >"$srv/script.json" <<JSON
{"/a": {"headers": {"ETag": "\"a\""}, "conditional": true, "body_file": "a.xml"},
 "/b": {"headers": {"ETag": "\"b\""}, "conditional": true, "body_file": "b.xml"},
 "/bad": {"status": 500},
 "/reset": {"reset": true}}
JSON
start_server "$srv"
site=$(poll_site cron)
printf '[feed "%s/a"]\n[feed "%s/b"]\n' "$BASE" "$BASE" >>"$site/chorus.ini"

out=$("$CHORUS" -q -C "$site" refresh </dev/null 2>&1)
rc=$?
check "refresh -q: exit 0 ($rc)" [ $rc -eq 0 ]
check "refresh -q: prints nothing ($out)" [ -z "$out" ]
check "refresh built the site" [ -f "$site/public/index.html" ]
check "the site shows a polled story" grep -q "peace plan" "$site/public/index.html"
check "3 articles stored" [ "$(articles "$site")" -eq 3 ]

out=$("$CHORUS" -q -C "$site" refresh </dev/null 2>&1)
rc=$?
check "not due: exit 0 ($rc)" [ $rc -eq 0 ]
check "not due: nothing printed" [ -z "$out" ]
check "not due: no request" [ "$(requests /a)" -eq 1 ]

printf '[feed "%s/bad"]\n[feed "%s/reset"]\n' "$BASE" "$BASE" >>"$site/chorus.ini"
out=$("$CHORUS" -q -C "$site" refresh </dev/null 2>&1)
rc=$?
check "a failed feed: exit 1 ($rc)" [ $rc -eq 1 ]
check "one line per failed feed ($out)" [ "$(wc -l <<<"$out")" -eq 2 ]
check "the 500 named" grep -q "^chorus: $BASE/bad: HTTP 500" <<<"$out"
check "the reset named" grep -q "^chorus: $BASE/reset: " <<<"$out"
cp "$site/public/about.html" "$TMP/about.html"
check "about page: a healthy feed" grep -q 'class="status ok">' "$site/public/about.html"
check "about page: the 500 is shown failing" grep -q 'class="status failing">HTTP 500' "$site/public/about.html"
check "about page: when it was fetched" grep -q '<td><time datetime="20' "$site/public/about.html"

out=$("$CHORUS" -C "$site" refresh --force </dev/null 2>/dev/null)
check "without -q: one summary line on stdout ($out)" [ "$(wc -l <<<"$out")" -eq 1 ]
check "the summary says what was polled" grep -q "^chorus: polled 4 of 4 feeds (0 new bodies, 2 not modified, 2 failed)" <<<"$out"
check "no progress bar without a terminal" nope grep -q $'\r' <<<"$out"

# On a terminal (script(1) gives one), a progress bar on stderr.
if command -v script >/dev/null; then
	out=$(script -qec "$CHORUS -C $site poll --force" /dev/null 2>&1)
	check "a progress bar on a terminal" grep -q 'polling .*\[#*' <<<"$out"
fi
finish
