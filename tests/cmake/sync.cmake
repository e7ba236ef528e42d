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
# Both again with every node's store a database of one throw-away
# PostgreSQL cluster (tests/integration/pg_cluster.sh).
foreach(t sync interrupted)
  set(name ${t})
  if(t STREQUAL "sync")
    set(name three-nodes)
  endif()
  add_test(NAME sync/${name}@postgres
           COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/sync/${t}.sh
                   $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR} postgres)
  set_tests_properties(sync/${name}@postgres PROPERTIES LABELS "sync;postgres" TIMEOUT 600)
endforeach()
