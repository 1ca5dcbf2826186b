# The command line: help, version, usage errors, the lock.
. "$(dirname "$0")/lib.sh"

out=$("$CHORUS" --help)
check "--help exits 0" [ $? -eq 0 ]
check "--help lists build" grep -q "^  build " <<<"$out"
check "--help explains exit codes" grep -q "75 another run" <<<"$out"
out=$("$CHORUS" build --help)
check "build --help exits 0" [ $? -eq 0 ]
check "build --help explains" grep -q "SOURCE_DATE_EPOCH" <<<"$out"
check "--version" grep -q "^chorus [0-9]" <<<"$("$CHORUS" --version)"
out=$("$CHORUS" --bogus 2>&1)
check "unknown option exits 2" [ $? -eq 2 ]
check "unknown option usage line" grep -q "^usage: chorus" <<<"$out"
out=$("$CHORUS" build --bogus 2>&1)
check "unknown build option exits 2" [ $? -eq 2 ]
check "unknown build option named" grep -q "unknown option --bogus" <<<"$out"
out=$("$CHORUS" frobnicate 2>&1)
check "unknown command exits 2" [ $? -eq 2 ]
"$CHORUS" >/dev/null 2>&1
check "no command exits 2" [ $? -eq 2 ]

# Another run holding the lock: exit 75, one line.
site=$(new_site locked)
mkdir -p "$site/.chorus"
exec 9>"$site/.chorus/lock"
flock -n 9
out=$("$CHORUS" -C "$site" build 2>&1)
rc=$?
exec 9>&-
check "locked site exits 75 (got $rc)" [ $rc -eq 75 ]
check "locked site says why ($out)" grep -q "another chorus run holds this site's lock" <<<"$out"
check "one line" [ "$(wc -l <<<"$out")" -eq 1 ]
out=$("$CHORUS" -q -C "$site" build 2>&1)
check "after the lock is released it builds, quietly" [ $? -eq 0 ] 
check "-q prints nothing" [ -z "$out" ]
finish
