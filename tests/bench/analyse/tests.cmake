# The text-analysis microbenchmark (bench_analyse.c): not a test of the
# default run; the driver is built with the rest, run by hand on the
# clustering benchmark's corpus.
add_executable(chorus_bench_analyse ${CMAKE_CURRENT_LIST_DIR}/bench_analyse.c)
target_compile_options(chorus_bench_analyse PRIVATE ${CHORUS_WARNINGS})
target_compile_definitions(chorus_bench_analyse PRIVATE _GNU_SOURCE)
target_link_libraries(chorus_bench_analyse PRIVATE chorus_lib)
