# TAXII tests talk HTTP through libcurl; the crash test also runs the
# tripact program (TRIPACT in the environment).
foreach(t test_http test_tlp_matrix test_crash)
  if(TARGET unit_taxii_${t})
    target_link_libraries(unit_taxii_${t} PRIVATE PkgConfig::CURL Threads::Threads)
  endif()
endforeach()

# tripact admin and serve from the command line: outputs, exit statuses,
# error messages.
add_test(NAME taxii/admin-cli
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/integration/taxii/admin.sh
                 $<TARGET_FILE:tripact> ${PROJECT_SOURCE_DIR})
set_tests_properties(taxii/admin-cli PROPERTIES LABELS taxii TIMEOUT 300)
