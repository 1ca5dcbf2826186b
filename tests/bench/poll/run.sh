#!/usr/bin/env bash
# Polling benchmark (issue 4, acceptance 3): 1,000 feeds / 50,000 items
# from ../shared/bench/gen_corpus.py served by nginx on 127.0.0.1, polled
# by chorus, by sfeed_update (50 jobs) and by curl --parallel
# --parallel-max 50, side by side:
#   first poll   fetch everything (chorus and sfeed also parse and store)
#   second poll  every feed answers 304 to the validators sent back
# Usage: tests/bench/poll/run.sh [CHORUS] [WORKDIR]
# Needs: nginx, sfeed, curl, hyperfine, /usr/bin/time (Debian packages
# nginx sfeed curl hyperfine time); not part of the default test run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
chorus=$(readlink -f "${1:-$src/build-rel/chorus}")
work=${2:-/tmp/chorus-bench-poll}
shared=${CHORUS_SHARED:-$src/../shared}
runs=${RUNS:-5}
mkdir -p "$work"
work=$(cd "$work" && pwd)
for tool in nginx sfeed_update curl hyperfine /usr/bin/time; do
	command -v "$tool" >/dev/null || {
		echo "run.sh: $tool is missing (apt-get install nginx sfeed curl hyperfine time)" >&2
		exit 2
	}
done

corpus=$work/corpus
if [ ! -f "$corpus/manifest.json" ]; then
	echo "generating the corpus (1,000 feeds, 50 items each)…" >&2
	/usr/bin/python3 "$shared/bench/gen_corpus.py" --out "$corpus" \
		--feeds 1000 --items 50 >/dev/null
fi

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/tmp"
sed -e "s|@DIR@|$work/nginx|g" -e "s|@PORT@|$port|" -e "s|@ROOT@|$corpus/feeds|" \
	"$here/nginx.conf.in" >"$work/nginx/nginx.conf"
[ "$(id -u)" -eq 0 ] && sed -i '1i user root;' "$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null' EXIT
for _ in $(seq 50); do
	curl -fs -o /dev/null "http://127.0.0.1:$port/f0000.xml" && break
	sleep 0.1
done
base=http://127.0.0.1:$port
feeds=$(cd "$corpus/feeds" && ls f*.xml)

# chorus: one site, all 1,000 feeds; the per-host cap raised for loopback.
site=$work/site
rm -rf "$site"
mkdir -p "$site"
{
	printf '[site]\ntitle = Bench\nlink = https://bench.example.org/\n'
	printf '[poll]\nper_host = 50\nparallel = 50\n'
	for f in $feeds; do printf '[feed "%s/%s"]\n' "$base" "$f"; done
} >"$site/chorus.ini"

# sfeed_update: the same feeds, 50 jobs.
{
	printf 'sfeedpath="%s/sfeed"\nmaxjobs=50\nfeeds() {\n' "$work"
	for f in $feeds; do printf '\tfeed "%s" "%s/%s"\n' "${f%.xml}" "$base" "$f"; done
	printf '}\n'
} >"$work/sfeedrc"

# curl: every URL, then every URL with its validators.
for f in $feeds; do printf 'url = "%s/%s"\noutput = "/dev/null"\n' "$base" "$f"; done >"$work/curl-first.cfg"
# nginx's validators: ETag "mtime-size" in hex, Last-Modified the mtime.
/usr/bin/python3 - "$corpus/feeds" "$base" >"$work/curl-second.cfg" <<'PY'
import email.utils, os, sys
root, base = sys.argv[1], sys.argv[2]
first = True
for f in sorted(os.listdir(root)):
    if not f.endswith(".xml"):
        continue
    if not first:
        print("next")  # headers are per transfer only between "next"s
    first = False
    st = os.stat(os.path.join(root, f))
    etag = '"%x-%x"' % (int(st.st_mtime), st.st_size)
    lm = email.utils.formatdate(int(st.st_mtime), usegmt=True)
    print('url = "%s/%s"\noutput = "/dev/null"' % (base, f))
    print('header = "If-None-Match: %s"' % etag.replace('"', '\\"'))
    print('header = "If-Modified-Since: %s"' % lm)
PY

echo "chorus: $chorus ($("$chorus" --version))" >&2
json=$work/results
mkdir -p "$json"
hyperfine -N --style basic --runs "$runs" --export-json "$json/first.json" \
	--prepare "rm -rf $site/.chorus" -n "chorus poll (first)" \
	"$chorus -q -C $site poll" \
	--prepare "rm -rf $work/sfeed" -n "sfeed_update -j50 (first)" \
	"sh -c 'sfeed_update $work/sfeedrc >/dev/null'" \
	--prepare "true" -n "curl --parallel 50 (first, fetch only)" \
	"curl -s --parallel --parallel-max 50 -K $work/curl-first.cfg" >&2
articles=$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM articles").fetchone()[0])' "$site/.chorus/state.db")
sfeed_items=$(cat "$work"/sfeed/* | wc -l)
: >"$work/nginx/access.log"
hyperfine -N --style basic --runs $((runs * 4)) --warmup 1 --export-json "$json/second.json" \
	-n "chorus poll --force (second, all 304)" "$chorus -q -C $site poll --force" \
	-n "curl --parallel 50 (second, conditional)" \
	"curl -s --parallel --parallel-max 50 -K $work/curl-second.cfg" >&2
not_modified=$(grep -c '" 304 ' "$work/nginx/access.log" || true)
total_req=$(wc -l <"$work/nginx/access.log")
rm -rf "$site/.chorus"
rss_first=$( { /usr/bin/time -f %M "$chorus" -q -C "$site" poll; } 2>&1 | tail -1)
rss_second=$( { /usr/bin/time -f %M "$chorus" -q -C "$site" poll --force; } 2>&1 | tail -1)

/usr/bin/python3 - "$json" "$articles" "$sfeed_items" "$rss_first" "$rss_second" "$not_modified" "$total_req" <<'PY'
import json, sys
d, articles, sfeed_items, rss1, rss2, nm, total = sys.argv[1:]
first = {r["command"]: r for r in json.load(open(d + "/first.json"))["results"]}
second = {r["command"]: r for r in json.load(open(d + "/second.json"))["results"]}
med = lambda r: r["median"]
cpu = lambda r: r["user"] + r["system"]  # means, seconds
c1r = first["chorus poll (first)"]
s1r = first["sfeed_update -j50 (first)"]
u1r = first["curl --parallel 50 (first, fetch only)"]
c2r = second["chorus poll --force (second, all 304)"]
u2r = second["curl --parallel 50 (second, conditional)"]
c1, s1, u1, c2, u2 = med(c1r), med(s1r), med(u1r), med(c2r), med(u2r)
print("| run | chorus | sfeed_update -j50 | curl --parallel 50 | ratio |")
print("|---|---|---|---|---|")
print("| first poll, 1,000 feeds: wall | %.2f s (%s articles stored) | %.2f s (%s items) | %.2f s (fetch only) | chorus = 1/%.1f of sfeed |"
      % (c1, articles, s1, sfeed_items, u1, s1 / c1))
print("| first poll: CPU (user + sys) | %.2f s | %.2f s | %.2f s | chorus = 1/%.1f of sfeed |"
      % (cpu(c1r), cpu(s1r), cpu(u1r), cpu(s1r) / cpu(c1r)))
print("| second poll, all 304: wall | %.3f s | – | %.3f s | chorus = %.2f× curl |" % (c2, u2, c2 / u2))
print("| second poll: CPU (user + sys) | %.3f s | – | %.3f s | chorus = %.2f× curl |"
      % (cpu(c2r), cpu(u2r), cpu(c2r) / cpu(u2r)))
print("")
print("medians of wall time, means of CPU time; peak RSS of chorus: first poll %.0f MB, second %.0f MB; "
      "304s seen by nginx in the second-poll runs: %s of %s requests; "
      "1-minute load average at the end: %s"
      % (int(rss1) / 1024, int(rss2) / 1024, nm, total, open("/proc/loadavg").read().split()[0]))
ok = c1 * 5 <= s1 and c2 < 0.3 and c2 <= 2 * u2 and int(rss1) < 200 * 1024
print("acceptance 3: %s" % ("met" if ok else "NOT met"))
PY
