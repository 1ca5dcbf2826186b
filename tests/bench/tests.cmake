# Benchmarks (tests/bench/*/bench.cmake): long runs stay out of the
# default ctest run; each may add a short smoke test to it.
file(GLOB bench_cmake CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*/bench.cmake)
foreach(f ${bench_cmake})
	include(${f})
endforeach()
