# Clustering quality on the ECB+ development set (tests/eval/): the
# harness drives the real binary, one article per build, in a fixed and a
# shuffled order; chorus_eval_tune (not a test) is the grid search behind
# the defaults in src/cluster.c.
add_executable(chorus_eval_tune ${CMAKE_CURRENT_LIST_DIR}/tune.c)
target_compile_options(chorus_eval_tune PRIVATE ${CHORUS_WARNINGS})
target_compile_definitions(chorus_eval_tune PRIVATE _GNU_SOURCE)
target_link_libraries(chorus_eval_tune PRIVATE chorus_lib PkgConfig::JANSSON)
