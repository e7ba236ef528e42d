# convert: CLI checks of `tripact import` / `tripact export` (exit statuses,
# messages, round trip through the program).
add_test(NAME convert/cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/convert/cli.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(convert/cli PROPERTIES LABELS convert TIMEOUT 120)

# data/demo is what scripts/build-demo makes (deterministic output).
add_test(NAME convert/demo-up-to-date
         COMMAND sh -c "out=$(mktemp -d) && scripts/build-demo \"$1\" \"$out\" >/dev/null 2>&1 && for f in data/demo/*.json; do cmp \"$f\" \"$out/$(basename \"$f\")\" || { echo \"$f is stale: rerun scripts/build-demo\"; rm -rf \"$out\"; exit 1; }; done; rm -rf \"$out\"" sh $<TARGET_FILE:tripact>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(convert/demo-up-to-date PROPERTIES LABELS convert TIMEOUT 300)

# The demo IOC bundles pass `validate --strict`. dprk-attack.json is
# MITRE's content, not rewritten: it passes --strict but for the two
# best-practice checks MITRE's own release fails (docs/import-export.md).
# The ATT&CK upgrade alone is checked with uuid-check on too.
add_test(NAME convert/demo-valid
         COMMAND sh -c "\"$1\" validate -q --strict data/demo/dprk-iocs-*.json && \"$1\" validate -q --strict --disable extref-hashes,relationship-types data/demo/dprk-attack.json" sh $<TARGET_FILE:tripact>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(convert/demo-valid PROPERTIES LABELS convert TIMEOUT 300)
