# Acceptance 3: the seeds' public/ in headless Chromium. Screenshots of the
# index and the story page at 390 and 1280 px (light and dark) go to
# $CHORUS_SHOTS; every page (index, story, sources, about) must load with
# no request off its own origin (only the page and style.css), no console
# output, no error and no dialog. A control page that does make a request
# off the origin, logs an error and opens a dialog proves the harness sees
# each of them.
. "$CHORUS_SRC/tests/e2e/lib.sh"
if [ ! -x /usr/bin/chromium ]; then
	echo "SKIP: /usr/bin/chromium is not installed (apt-get install chromium)"
	exit 77
fi
PY=/usr/bin/python3
CDP=$CHORUS_SRC/tests/browser/cdp.py
SHOTS=${CHORUS_SHOTS:-$TMP/shots}
mkdir -p "$SHOTS"

pub=$CHORUS_SRC/public
story=$(cd "$pub" && ls stories/*.html | head -1)
others="about.html"
for s in "$pub"/sources/*.html; do others="$others sources/$(basename "$s")"; done

# Control: everything the checks look for, on purpose. Port 9 is one
# Chromium refuses to connect to, so nothing is sent even on loopback.
mkdir -p "$TMP/control"
cat >"$TMP/control/control.html" <<'HTML'
<!DOCTYPE html><html lang="en"><head><title>control</title>
<link rel="icon" href="data:,"></head><body>
<img src="http://127.0.0.1:9/probe.png" alt="">
<script>console.log("control log"); console.error("control error"); alert("control dialog");</script>
</body></html>
HTML

$PY "$CDP" "$TMP/control" control.html >"$TMP/control.json"
check "harness ran on the control page" [ $? -eq 0 ]
$PY - "$TMP/control.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))["pages"][0]
ok = True
for what, cond in [
        ("sees the off-origin request", p["external"] == ["http://127.0.0.1:9/probe.png"]),
        ("sees console.log", {"type": "log", "text": "control log"} in p["console"]),
        ("sees console.error", {"type": "error", "text": "control error"} in p["console"]),
        ("sees the failed load as an error", any("probe.png" in e for e in p["errors"])),
        ("sees the dialog", p["dialogs"] == ["control dialog"])]:
    print(("ok: " if cond else "FAIL: ") + "control: harness " + what)
    ok = ok and cond
sys.exit(0 if ok else 1)
PYEOF
check "the harness detects requests, console output, errors and dialogs" [ $? -eq 0 ]

start=$(date +%s)
$PY "$CDP" --shots "$SHOTS" --width 390 --width 1280 --dark "$pub" index.html "$story" >"$TMP/site.json"
check "harness ran on the index and story" [ $? -eq 0 ]
$PY "$CDP" --shots "$SHOTS" --width 1280 "$pub" $others >"$TMP/others.json"
check "harness ran on the other pages" [ $? -eq 0 ]
$PY - "$TMP/site.json" "$TMP/others.json" <<'PYEOF'
import json, sys
bad = 0
for d, p in [(d, p) for f in sys.argv[1:] for d in [json.load(open(f))] for p in d["pages"]]:
    origin = d["origin"]
    page = p["url"][len(origin):]
    allowed = {p["url"], origin + "style.css"}
    problems = []
    if not p["loaded"]:
        problems.append("did not load")
    if p["external"]:
        problems.append("requests off the origin: %s" % p["external"])
    if set(p["requests"]) - allowed:
        problems.append("requests beyond the page and style.css: %s" % sorted(set(p["requests"]) - allowed))
    if p["console"]:
        problems.append("console output: %s" % p["console"])
    if p["errors"]:
        problems.append("errors: %s" % p["errors"])
    if p["dialogs"]:
        problems.append("dialogs: %s" % p["dialogs"])
    label = "%s at %d px%s" % (page, p["width"], " dark" if p["dark"] else "")
    if problems:
        bad += 1
        print("FAIL: %s: %s" % (label, "; ".join(problems)))
    else:
        print("ok: %s: %d requests, all local" % (label, len(p["requests"])))
sys.exit(1 if bad else 0)
PYEOF
check "no page makes an outside request or logs anything" [ $? -eq 0 ]
echo "browser run: $(($(date +%s) - start)) s"

name=$(basename "$story" .html)
for w in 390 1280; do
	for f in "index-$w" "stories_$name-$w" "index-$w-dark" "stories_$name-$w-dark"; do
		check "screenshot $f.png" test -s "$SHOTS/$f.png"
	done
done
# The phone screenshot is one column, 390 px wide.
check "390 px screenshot is 390 px wide" \
	$PY -c "import struct,sys; f=open(sys.argv[1],'rb').read(24); sys.exit(struct.unpack('>I', f[16:20])[0] != 390)" "$SHOTS/index-390.png"
echo "screenshots in $SHOTS"
finish
