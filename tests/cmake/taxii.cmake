# TAXII tests talk HTTP through libcurl; the crash test also runs the
# tripact program (TRIPACT in the environment).
foreach(t test_http test_tlp_matrix test_crash)
  if(TARGET unit_taxii_${t})
    target_link_libraries(unit_taxii_${t} PRIVATE PkgConfig::CURL Threads::Threads)
  endif()
endforeach()
