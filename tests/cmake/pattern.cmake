# tripact pattern: the CLI contract (exit codes, output, messages).
add_test(NAME pattern/cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/pattern/cli.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(pattern/cli PROPERTIES LABELS pattern TIMEOUT 120)

# A tiny run of the benchmark, so it keeps building and working (no timing
# is asserted; `make bench` runs it at full size).
if(TP_BENCH)
  add_test(NAME pattern/bench-smoke
           COMMAND $<TARGET_FILE:bench_pattern> --patterns 500 --indicators 2000
                   --observations 2000)
  set_tests_properties(pattern/bench-smoke PROPERTIES LABELS pattern TIMEOUT 120)
endif()
