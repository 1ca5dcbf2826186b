# tests/bench/render: the render of 50k stories (issue 6, acceptance 5).
# bench_render is built with the tests; run.sh runs the real benchmark
# (see README "Site"). The smoke test renders 400 stories and checks the
# same properties in seconds.
add_executable(bench_render ${CMAKE_CURRENT_LIST_DIR}/bench_render.c)
target_compile_options(bench_render PRIVATE ${CHORUS_WARNINGS})
target_link_libraries(bench_render PRIVATE chorus_lib)
add_test(NAME bench/render_smoke
	COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh --smoke)
set_tests_properties(bench/render_smoke PROPERTIES
	ENVIRONMENT "CHORUS_BENCH_RENDER=$<TARGET_FILE:bench_render>;CHORUS_SHARED=${CHORUS_SHARED_DIR};ASAN_OPTIONS=detect_leaks=1"
	TIMEOUT 300)
