# tripact validate: golden-file tests (one CASE.args + CASE.out per case,
# tests/data/stix/cli) and the shipped intelligence validated against its
# recorded expectations (tests/data/stix/intel). UPDATE=1 with the script
# rewrites an expected output after a deliberate change.
file(GLOB tp_stix_golden CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tests/data/stix/cli/*.args
     ${PROJECT_SOURCE_DIR}/tests/data/stix/intel/*.args)
foreach(case ${tp_stix_golden})
  get_filename_component(name ${case} NAME_WLE)
  get_filename_component(dir ${case} DIRECTORY)
  get_filename_component(group ${dir} NAME)
  add_test(NAME stix/${group}/${name}
           COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/stix/run-golden.sh
                   ${PROJECT_SOURCE_DIR} $<TARGET_FILE:tripact> ${case})
  set_tests_properties(stix/${group}/${name} PROPERTIES LABELS stix TIMEOUT 120)
endforeach()

# Hostile sizes generated at run time (no big files in git).
add_test(NAME stix/limits
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/data/stix/limits.sh $<TARGET_FILE:tripact>)
set_tests_properties(stix/limits PROPERTIES LABELS stix TIMEOUT 120)
