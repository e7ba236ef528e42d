# tripact match from the command line (summary, exits, validate --strict).
add_test(NAME match/cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/match/cli.sh $<TARGET_FILE:tripact>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(match/cli PROPERTIES LABELS match TIMEOUT 120)
