# Shared by the end-to-end tests: run with CHORUS (the binary), CHORUS_SRC
# (the source tree), CHORUS_SHARED (../shared) and CHORUS_SEEDS_EPOCH set
# by ctest (tests/CMakeLists.txt).
set -u
: "${CHORUS:?set CHORUS to the chorus binary}"
: "${CHORUS_SRC:?set CHORUS_SRC to the source tree}"
CHORUS_SHARED=${CHORUS_SHARED:-$CHORUS_SRC/../shared}
CHORUS_SEEDS_EPOCH=${CHORUS_SEEDS_EPOCH:-1763510400}

TMP=$(mktemp -d /tmp/chorus-e2e-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
PASSED=0

fail() {
	echo "FAIL: $*" >&2
	FAILED=$((FAILED + 1))
}

ok() {
	PASSED=$((PASSED + 1))
}

# check DESCRIPTION COMMAND...: counts a pass or a failure.
check() {
	local what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}

# A new site in $TMP/$1 holding the project's seeds.
new_site() {
	mkdir -p "$TMP/$1/seeds"
	cp "$CHORUS_SRC"/seeds/*.txt "$TMP/$1/seeds/"
	echo "$TMP/$1"
}

# The number of <entry> elements in a feed.
entries() {
	grep -c '<entry>' "$1"
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
