# Shared by the polling tests (tests/e2e/test_poll*.sh), after
# tests/e2e/lib.sh: a scripted HTTP server on 127.0.0.1 (tests/poll/server.py)
# and questions about what it received, read from its own request log.
POLL_DIR=$CHORUS_SRC/tests/poll
PY=/usr/bin/python3
SERVER_PID=
SERVER_DIR=

stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# start_server DIR: serve DIR/script.json, log to DIR/log.jsonl; sets PORT
# and BASE (http://127.0.0.1:PORT).
start_server() {
	SERVER_DIR=$1
	: >"$SERVER_DIR/log.jsonl"
	rm -f "$SERVER_DIR/port"
	"$PY" "$POLL_DIR/server.py" "$SERVER_DIR/script.json" \
		"$SERVER_DIR/log.jsonl" "$SERVER_DIR/port" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		[ -s "$SERVER_DIR/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$SERVER_DIR/port")
	BASE=http://127.0.0.1:$PORT
}

# q PYTHON-EXPRESSION: evaluate over the log, `log` being the list of
# requests (dicts with start, end, method, path, status, headers).
q() {
	"$PY" - "$SERVER_DIR/log.jsonl" "$1" <<'PYEOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def on(path):
    return [r for r in log if r["path"] == path]
def overlap(paths=None):
    ev = []
    for r in log:
        if paths is None or r["path"] in paths:
            ev += [(r["start"], 1), (r["end"], -1)]
    ev.sort(key=lambda e: (e[0], e[1]))
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best
v = eval(sys.argv[2])
print(v if not isinstance(v, bool) else int(v))
PYEOF
}

# nope COMMAND...: succeeds when COMMAND fails (for check).
nope() {
	! "$@"
}

# requests PATH: how many requests the server received for PATH.
requests() {
	q "len(on('$1'))"
}

# header PATH N NAME: header NAME (lower case) of the Nth (0-based, negative
# from the end) request for PATH, or "None".
header() {
	q "on('$1')[$2]['headers'].get('$3')"
}

# rss TITLE ITEMS...: an RSS 2.0 document; each item is "guid|title|text".
rss() {
	local title=$1 it
	shift
	printf '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>%s</title><link>http://example.org/</link>\n' "$title"
	for it in "$@"; do
		IFS='|' read -r g t d <<<"$it"
		printf '<item><guid>%s</guid><title>%s</title><link>http://example.org/%s</link><description>%s</description><pubDate>Sat, 21 Nov 2026 09:00:00 GMT</pubDate></item>\n' "$g" "$t" "$g" "$d"
	done
	printf '</channel></rss>\n'
}

# articles SITE: the number of articles in the site's state.
articles() {
	"$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM articles").fetchone()[0])' "$1/.chorus/state.db"
}

# sql SITE QUERY: the first column of the first row.
sql() {
	"$PY" -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' "$1/.chorus/state.db" "$2"
}

# site NAME: a new empty site folder with a [site] link.
poll_site() {
	mkdir -p "$TMP/$1"
	printf '[site]\ntitle = Poll test\nlink = https://news.example.org/\n' >"$TMP/$1/chorus.ini"
	echo "$TMP/$1"
}
