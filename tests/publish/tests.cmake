# Publishing tests (issue 7): Python harnesses over the real binary, run
# with Debian's /usr/bin/python3 (python3-feedparser imports only there).
foreach(name month reader)
	add_test(NAME publish/${name}
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_${name}.py)
	set_tests_properties(publish/${name} PROPERTIES
		ENVIRONMENT "CHORUS=$<TARGET_FILE:chorus>;CHORUS_SHARED=${CHORUS_SHARED_DIR};ASAN_OPTIONS=detect_leaks=1"
		TIMEOUT 300)
endforeach()
