# tp_module(NAME <m> [DEPS <module>...] [LIBS <target>...])
# Builds src/<m>/*.c into the static library tp_<m>. DEPS are lower tripact
# modules (a wrong arrow is a link error), LIBS external imported targets.
function(tp_module)
  cmake_parse_arguments(M "" "NAME" "DEPS;LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  set(deps)
  foreach(d ${M_DEPS})
    list(APPEND deps tp_${d})
  endforeach()
  if(srcs)
    add_library(tp_${M_NAME} STATIC ${srcs})
    target_include_directories(tp_${M_NAME}
      PUBLIC ${PROJECT_SOURCE_DIR}/include
      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(tp_${M_NAME} PUBLIC ${deps} ${M_LIBS})
  else()
    add_library(tp_${M_NAME} INTERFACE)
    target_include_directories(tp_${M_NAME} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(tp_${M_NAME} INTERFACE ${deps} ${M_LIBS})
  endif()
endfunction()

# tp_unit_tests(<module>): one cmocka binary per tests/unit/<module>/test_*.c,
# registered with ctest as <module>/<file>. Tests find data through the
# TP_SOURCE_DIR environment variable and run in a scratch directory.
function(tp_unit_tests module)
  file(GLOB tests CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/unit/${module}/test_*.c)
  foreach(t ${tests})
    get_filename_component(name ${t} NAME_WE)
    set(exe unit_${module}_${name})
    add_executable(${exe} ${t})
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/src
                               ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(${exe} PRIVATE tripact_lib PkgConfig::CMOCKA)
    add_test(NAME ${module}/${name} COMMAND ${exe})
    set_tests_properties(${module}/${name} PROPERTIES
      ENVIRONMENT "TP_SOURCE_DIR=${PROJECT_SOURCE_DIR};TP_BINARY_DIR=${PROJECT_BINARY_DIR};TRIPACT=$<TARGET_FILE:tripact>"
      LABELS ${module} TIMEOUT 300)
  endforeach()
endfunction()
