# tripact pattern: the CLI contract (exit codes, output, messages).
add_test(NAME pattern/cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/pattern/cli.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(pattern/cli PROPERTIES LABELS pattern TIMEOUT 120)
