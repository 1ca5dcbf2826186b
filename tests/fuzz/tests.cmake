# A short fuzz run of each target (20 s each) in the default test run;
# skipped (exit 77) when clang's libFuzzer runtime is not installed.
add_test(NAME fuzz/smoke
	COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/fuzz.sh -t 20
		-w ${CMAKE_BINARY_DIR}/fuzz-smoke -s ${CHORUS_SHARED_DIR})
set_tests_properties(fuzz/smoke PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 400)
