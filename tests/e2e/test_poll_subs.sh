# Subscriptions: chorus add/remove/list/import/export keep chorus.ini's
# other lines and comments; bad configuration is named "file:line:" with
# exit 2.
. "$(dirname "$0")/lib.sh"
. "$CHORUS_SRC/tests/poll/lib.sh"

site=$(poll_site subs)
cat >"$site/chorus.ini" <<'INI'
; my site
[site]
title = Subs   ; the title
link = https://news.example.org/

# a feed I like
[feed "https://one.example.org/feed.xml"]
name = One
INI
cp "$site/chorus.ini" "$TMP/orig.ini"
out=$("$CHORUS" -C "$site" add https://two.example.org/rss --name "Two Times" 2>&1)
check "add exits 0 ($out)" [ $? -eq 0 ]
check "add says so" grep -q "subscribed to https://two.example.org/rss" <<<"$out"
check "add appends the section" grep -qxF '[feed "https://two.example.org/rss"]' "$site/chorus.ini"
check "… with its name" grep -qxF 'name = Two Times' "$site/chorus.ini"
check "add keeps every line before" [ "$(head -n 8 "$site/chorus.ini")" = "$(cat "$TMP/orig.ini")" ]
"$CHORUS" -C "$site" add https://two.example.org/rss >/dev/null 2>&1
check "adding twice exits 2" [ $? -eq 2 ]
out=$("$CHORUS" -C "$site" add file:///etc/passwd 2>&1)
check "add file:// exits 2 ($out)" [ $? -eq 2 ]
check "… says why" grep -q "only http:// and https://" <<<"$out"
"$CHORUS" -q -C "$site" add "https://three.example.org/a b" 2>/dev/null
check "a URL with a space exits 2" [ $? -eq 2 ]

out=$("$CHORUS" -C "$site" list)
check "list has a header and 2 rows" [ "$(wc -l <<<"$out")" -eq 3 ]
check "list: never polled is new" grep -q "^new .*https://two.example.org/rss (Two Times)" <<<"$out"

out=$("$CHORUS" -C "$site" remove https://two.example.org/rss 2>&1)
check "remove exits 0 ($out)" [ $? -eq 0 ]
check "remove gives the file back as it was" cmp -s "$site/chorus.ini" "$TMP/orig.ini"
"$CHORUS" -q -C "$site" remove https://two.example.org/rss 2>/dev/null
check "removing what is not there exits 2" [ $? -eq 2 ]

# Export, import into another site, export again: the same list.
"$CHORUS" -C "$site" add https://two.example.org/rss --name "Two & Co" >/dev/null
"$CHORUS" -C "$site" export >"$TMP/subs.opml"
check "export exits 0" [ $? -eq 0 ]
check "export is OPML 2.0" grep -q '<opml version="2.0">' "$TMP/subs.opml"
check "export escapes names" grep -q 'text="Two &amp; Co"' "$TMP/subs.opml"
check "export lists both" [ "$(grep -c 'xmlUrl=' "$TMP/subs.opml")" -eq 2 ]
other=$(poll_site other)
out=$("$CHORUS" -C "$other" import "$TMP/subs.opml" 2>&1)
check "import exits 0 ($out)" [ $? -eq 0 ]
check "import counts ($out)" grep -q "2 feeds subscribed, 0 already were, 0 skipped" <<<"$out"
check "imported names" grep -qxF 'name = Two & Co' "$other/chorus.ini"
cat >"$TMP/more.opml" <<'OPML'
<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY boom "boom">]>
<opml version="1.0"><head><title>x</title></head><body>
 <outline text="News">
  <outline text="One again" xmlUrl="https://one.example.org/feed.xml"/>
  <outline text="Deep">
   <outline title="Four" text="4" type="rss" xmlUrl="http://four.example.org/atom"/>
  </outline>
 </outline>
 <outline text="Local" xmlUrl="file:///etc/passwd"/>
</body></opml>
OPML
out=$("$CHORUS" -C "$other" import "$TMP/more.opml" 2>&1)
check "nested import exits 0 ($out)" [ $? -eq 0 ]
check "nested import counts ($out)" grep -q "1 feeds subscribed, 1 already were, 1 skipped" <<<"$out"
check "nested import names the skipped URL" grep -q "file:///etc/passwd: only http:// and https://" <<<"$out"
check "the deep outline, named by its title" grep -A1 -F '[feed "http://four.example.org/atom"]' "$other/chorus.ini" | grep -qx 'name = Four'
printf 'not xml' >"$TMP/bad.opml"
out=$("$CHORUS" -C "$other" import "$TMP/bad.opml" 2>&1)
check "bad OPML exits 1 or 2 and names the file ($out)" grep -q "bad.opml:1:" <<<"$out"

# Bad configuration: file:line: and exit 2.
bad=$(poll_site bad)
printf '[feed "file:///etc/passwd"]\nname = x\n' >>"$bad/chorus.ini"
out=$("$CHORUS" -C "$bad" poll 2>&1)
check "file:// feed exits 2" [ $? -eq 2 ]
check "… named with file:line ($out)" grep -q "chorus.ini:4: file:///etc/passwd: only http:// and https:// feeds can be polled" <<<"$out"
bad=$(poll_site bad2)
printf '[poll]\nper_host = lots\n' >>"$bad/chorus.ini"
out=$("$CHORUS" -C "$bad" poll 2>&1)
check "bad per_host exits 2" [ $? -eq 2 ]
check "… named with file:line ($out)" grep -q "chorus.ini:5: per_host must be a positive number" <<<"$out"
bad=$(poll_site bad3)
printf '[poll]\nhammer = yes\n' >>"$bad/chorus.ini"
out=$("$CHORUS" -C "$bad" poll 2>&1)
check "unknown [poll] key exits 2 ($out)" [ $? -eq 2 ]
check "… named" grep -q 'chorus.ini:5: unknown key "hammer" in \[poll\]' <<<"$out"
finish
