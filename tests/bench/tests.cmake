# Benchmarks live one folder deeper (tests/bench/<what>/tests.cmake): each
# builds its driver; at most a short smoke run joins the default test run.
file(GLOB bench_cmake CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*/tests.cmake)
foreach(f ${bench_cmake})
	include(${f})
endforeach()
