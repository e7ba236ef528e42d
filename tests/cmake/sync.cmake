# Node-to-node sync: three nodes served by tripact serve on free loopback
# ports, exchanging the demo bundles with tripact sync (curl and jq read
# the results).
add_test(NAME sync/three-nodes
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/sync/sync.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(sync/three-nodes PROPERTIES LABELS sync TIMEOUT 600)
# The same nodes with each sync run killed at a different moment until one
# finishes, and `sync run --every` stopped by SIGTERM.
add_test(NAME sync/interrupted
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/sync/interrupted.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(sync/interrupted PROPERTIES LABELS sync TIMEOUT 600)
