#!/bin/bash
# `chorus parse FILE|-`: the real binary on real feeds prints the JSON of
# DESIGN.md; usage errors exit 2, unreadable documents 1; hostile input
# ends fast with its repairs listed.
set -euo pipefail
: "${CHORUS:?}" "${CHORUS_SRC:?}"
data="$CHORUS_SRC/tests/data/feed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$CHORUS" parse "$data/rss2.xml" > "$tmp/rss2.json"
/usr/bin/python3 - "$tmp/rss2.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
assert f["format"] == "rss2.0", f["format"]
assert f["title"] == "Harbour Gazette"
assert f["updated"] == "2025-11-18T09:30:00Z"
e = f["entries"][0]
assert e["id"] == "gazette-1234" and e["published"] == "2025-11-18T07:15:00Z"
assert e["categories"] == ["Local", "Transport"]
assert e["enclosures"] == [{"url": "https://gazette.example/ferry.jpg",
                            "type": "image/jpeg", "length": 24576}]
assert "updated" not in e  # absent fields are omitted
assert f["errors"] == []
PY

# Standard input, and the format found from the content.
"$CHORUS" parse - < "$data/feed.json" > "$tmp/json.json"
grep -q '"format": "jsonfeed1.1"' "$tmp/json.json" || fail "JSON Feed on stdin"

# Repairs are listed with their line.
"$CHORUS" parse "$data/broken.xml" > "$tmp/broken.json"
/usr/bin/python3 - "$tmp/broken.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
msgs = [e["message"] for e in f["errors"]]
assert any("sometime last week" in m for m in msgs), msgs
assert all(isinstance(e["line"], int) for e in f["errors"])
assert f["entries"][1]["title"] == "Cut off here"
PY

# Billion laughs: done within a second, nothing expanded.
start=$(date +%s%N)
"$CHORUS" parse "$data/billion_laughs.xml" > "$tmp/bl.json"
end=$(date +%s%N)
[ $(( (end - start) / 1000000 )) -lt 1000 ] || fail "billion laughs took too long"
grep -q '"title": "&lol9;"' "$tmp/bl.json" || fail "billion laughs expanded"

# The size cap, usage errors and unreadable input.
set +e
"$CHORUS" parse --max-size 100 "$data/rss2.xml" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "size cap exit status"
grep -q "size cap" "$tmp/err" || fail "size cap message"
"$CHORUS" parse > /dev/null 2>&1
[ $? -eq 2 ] || fail "missing FILE is a usage error"
echo '<html><p>not a feed</p></html>' | "$CHORUS" parse - > /dev/null 2>&1
[ $? -eq 1 ] || fail "HTML is not a feed"
set -e
echo "test_parse: ok"
