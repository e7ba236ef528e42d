# tripact trace from the command line (import, labels, reports, exits).
add_test(NAME trace/cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/trace/cli.sh $<TARGET_FILE:tripact>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(trace/cli PROPERTIES LABELS trace TIMEOUT 120)
