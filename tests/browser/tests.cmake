# Browser tests (issue 6, acceptance 3 and 4): the pages in headless
# Chromium, driven over the DevTools protocol by cdp.py (Python standard
# library). They exit 77, reported as skipped, when /usr/bin/chromium is
# not installed (Debian package chromium, listed in .ci/packages).
add_executable(hostile_site ${CMAKE_CURRENT_LIST_DIR}/hostile_site.c)
target_compile_options(hostile_site PRIVATE ${CHORUS_WARNINGS})
target_link_libraries(hostile_site PRIVATE chorus_lib)

foreach(name test_site_browser test_site_hostile)
	add_test(NAME browser/${name}
		COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${name}.sh)
	set_tests_properties(browser/${name} PROPERTIES
		ENVIRONMENT "CHORUS=$<TARGET_FILE:chorus>;CHORUS_HOSTILE_SITE=$<TARGET_FILE:hostile_site>;CHORUS_SRC=${CMAKE_SOURCE_DIR};CHORUS_SHARED=${CHORUS_SHARED_DIR};CHORUS_SEEDS_EPOCH=${CHORUS_SEEDS_EPOCH};CHORUS_SHOTS=${CMAKE_BINARY_DIR}/screenshots;ASAN_OPTIONS=detect_leaks=1"
		SKIP_RETURN_CODE 77
		TIMEOUT 180
		RESOURCE_LOCK chromium)
endforeach()
