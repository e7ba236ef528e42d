# bench_taxii drives the server with libcurl clients (and wrk).
if(TARGET bench_taxii)
  target_link_libraries(bench_taxii PRIVATE PkgConfig::CURL Threads::Threads)
endif()
