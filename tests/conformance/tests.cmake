# Feed conformance (issue 3): feedparser's test feeds through the library.
# feed_dump reads every file in one process; feed_conformance.py compares
# its output with feedparser's reference output. The hostile run cuts
# each file at 20 points and pushes it in uneven slices under the
# sanitizers. Both need ../shared; without it they are skipped.
add_executable(feed_dump ${CMAKE_CURRENT_LIST_DIR}/feed_dump.c)
target_compile_options(feed_dump PRIVATE ${CHORUS_WARNINGS})
target_link_libraries(feed_dump PRIVATE chorus_lib)

add_test(NAME conformance/feed
	COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/feed_conformance.py
		--driver $<TARGET_FILE:feed_dump> --shared ${CHORUS_SHARED_DIR}
		--expected ${CMAKE_CURRENT_LIST_DIR}/feed_expected_failures.txt)
add_test(NAME conformance/feed_hostile
	COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/feed_conformance.py
		--driver $<TARGET_FILE:feed_dump> --shared ${CHORUS_SHARED_DIR}
		--hostile 20)
set_tests_properties(conformance/feed conformance/feed_hostile PROPERTIES
	ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1"
	SKIP_RETURN_CODE 77
	TIMEOUT 300)
