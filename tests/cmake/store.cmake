# The store's contract tests, the TAXII tests that go through it and the
# sync test of the peers table and counts, run a second time against
# PostgreSQL: each program starts a throw-away cluster
# (tests/unit/store/store_location.h).
foreach(t store/test_store store/test_tlp store/test_concurrency store/test_batch
          taxii/test_tlp_matrix taxii/test_http taxii/test_crash sync/test_cursor)
  string(REPLACE "/" "_" exe unit_${t})
  add_test(NAME ${t}@postgres COMMAND ${exe})
  set_tests_properties(${t}@postgres PROPERTIES
    ENVIRONMENT "TP_TEST_STORE=postgres;TP_SOURCE_DIR=${PROJECT_SOURCE_DIR};TP_BINARY_DIR=${PROJECT_BINARY_DIR};TRIPACT=$<TARGET_FILE:tripact>"
    LABELS "store;postgres" TIMEOUT 300)
endforeach()

# tripact admin end to end with --data postgresql://...
add_test(NAME taxii/admin-cli@postgres
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/integration/taxii/admin.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR} postgres)
set_tests_properties(taxii/admin-cli@postgres PROPERTIES LABELS "taxii;postgres" TIMEOUT 300)
