# sluice_module(NAME x SOURCES a.cc TESTS a_test.cc DEPS sluice_base EXTERNAL Pkg::X)
# creates the library sluice_<NAME> and, beside it, the test binary sluice_<NAME>_tests.
function(sluice_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(SLUICE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12's flow-based warnings misfire inside libstdc++ at -O2/-O3
      # (memcpy "overlap" on std::string); they stay visible, not fatal.
      target_compile_options(${target} PRIVATE -Wno-error=restrict -Wno-error=stringop-overflow
        -Wno-error=array-bounds -Wno-error=maybe-uninitialized)
    endif()
  endif()
endfunction()

function(sluice_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;TESTS;DEPS;EXTERNAL;TEST_DEPS" ${ARGN})
  set(lib sluice_${M_NAME})
  add_library(${lib} STATIC ${M_SOURCES})
  target_include_directories(${lib} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${lib} PUBLIC ${M_DEPS} ${M_EXTERNAL})
  sluice_warnings(${lib})
  if(SLUICE_BUILD_TESTS AND M_TESTS)
    add_executable(${lib}_tests ${M_TESTS})
    target_link_libraries(${lib}_tests PRIVATE ${lib} ${M_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    sluice_warnings(${lib}_tests)
    gtest_discover_tests(${lib}_tests PROPERTIES LABELS ${M_NAME} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
