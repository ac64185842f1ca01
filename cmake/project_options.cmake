# Warnings for project code only (generated protobuf code gets none of these).
add_library(sv_options INTERFACE)
# Designated initializers that leave members at their defaults are intended.
target_compile_options(sv_options INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
target_include_directories(sv_options INTERFACE ${PROJECT_SOURCE_DIR})

# sv_library(NAME SOURCES... DEPS ...): a project library with the project's warnings.
function(sv_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC sv_options ${ARG_DEPS})
endfunction()

# sv_test(NAME SOURCES... DEPS ... [LABELS ...]): a GoogleTest binary registered with ctest.
function(sv_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE sv_options ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
