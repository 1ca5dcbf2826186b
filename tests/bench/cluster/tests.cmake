# The clustering benchmark (tests/bench/cluster/run.sh): not a test of the
# default run (minutes, gigabytes); the driver is built with the rest.
add_executable(chorus_bench_cluster ${CMAKE_CURRENT_LIST_DIR}/bench.c)
target_compile_options(chorus_bench_cluster PRIVATE ${CHORUS_WARNINGS})
target_compile_definitions(chorus_bench_cluster PRIVATE _GNU_SOURCE)
target_link_libraries(chorus_bench_cluster PRIVATE chorus_lib)
