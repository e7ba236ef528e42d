# convert: CLI checks of `tripact import` / `tripact export` (exit statuses,
# messages, round trip through the program).
add_test(NAME convert/cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/convert/cli.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(convert/cli PROPERTIES LABELS convert TIMEOUT 120)
