# Acceptance 4: `chorus poll` killed (SIGKILL) at 20 random moments leaves
# a state that opens, holds every article stored before the kill, and the
# next poll completes and stores everything.
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

srv=$TMP/srv
mkdir -p "$srv"
"$PY" - "$srv" <<'PYEOF'
import json, sys
d = sys.argv[1]
script = {}
for f in range(40):
    items = "".join(
        "<item><guid>f%d-i%d</guid><title>Story %d of feed %d</title>"
        "<link>http://example.org/%d/%d</link><description>Text of item %d "
        "of feed %d, with words enough to be an article.</description>"
        "<pubDate>Sat, 21 Nov 2026 %02d:%02d:00 GMT</pubDate></item>\n"
        % (f, i, i, f, f, i, i, f, i % 24, f) for i in range(50))
    with open("%s/f%d.xml" % (d, f), "w") as out:
        out.write('<?xml version="1.0"?><rss version="2.0"><channel>'
                  "<title>Outlet %d</title><link>http://example.org/</link>\n"
                  "%s</channel></rss>\n" % (f, items))
    script["/f%d" % f] = {"delay": 0.02, "body_file": "f%d.xml" % f}
json.dump(script, open(d + "/script.json", "w"))
PYEOF
start_server "$srv"
site=$(poll_site kill)
printf '[poll]\nper_host = 4\n' >>"$site/chorus.ini"
for f in $(seq 0 39); do
	printf '[feed "%s/f%d"]\n' "$BASE" "$f" >>"$site/chorus.ini"
done

before=0
kills=0
for n in $(seq 1 20); do
	"$CHORUS" -q -C "$site" poll --force 2>/dev/null &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 600)))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	if ! "$CHORUS" -C "$site" list >/dev/null 2>"$TMP/list.err"; then
		fail "kill $n: the state does not open: $(cat "$TMP/list.err")"
		continue
	fi
	now=$(articles "$site")
	check "kill $n: every article stored before is there ($now >= $before)" [ "$now" -ge "$before" ]
	before=$now
done
echo "killed $kills of 20 runs mid-poll; $before articles stored by then" >&2
check "most runs were killed mid-poll ($kills)" [ "$kills" -ge 10 ]
out=$("$CHORUS" -C "$site" poll --force 2>&1)
check "the next poll completes ($out)" [ $? -eq 0 ]
check "… and everything is stored" [ "$(articles "$site")" -eq 2000 ]
check "no feed left failing" [ "$(sql "$site" "SELECT count(*) FROM feeds WHERE failures > 0")" -eq 0 ]
finish
