# Warnings and sanitizers as an interface target that hookline's own targets link privately:
# nothing here leaks into a consumer's build.
add_library(hookline_build_options INTERFACE)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_options(hookline_build_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
# GCC 12 reports a false -Wrestrict inside std::string when `"text" + std::string&&` is inlined at -O2
# (GCC bug 105651, fixed in GCC 13); every optimised build would fail on it with -Werror.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(hookline_build_options INTERFACE -Wno-restrict)
endif()
if(HOOKLINE_WARNINGS_AS_ERRORS)
  target_compile_options(hookline_build_options INTERFACE -Werror)
endif()
if(HOOKLINE_SANITIZE)
  target_compile_options(hookline_build_options INTERFACE -fsanitize=${HOOKLINE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(hookline_build_options INTERFACE -fsanitize=${HOOKLINE_SANITIZE})
endif()

# hookline_target_defaults(TARGET): the options every hookline target is built with.
function(hookline_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:hookline_build_options>)
endfunction()
