# Warnings and sanitizer settings every first-party target links (ccache's
# StandardWarnings pattern): one place, so no target drifts.
add_library(automata_settings INTERFACE)
target_compile_options(automata_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
if(AUTOMATA_WERROR)
  target_compile_options(automata_settings INTERFACE -Werror)
  # GCC 12 at -O3 reports out-of-bounds copies inside libstdc++'s std::string
  # that cannot happen (GCC bugs 105329, 105651): warned, not fatal, in
  # optimised builds. The dev and asan builds keep them as errors.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_BUILD_TYPE STREQUAL "Release")
    target_compile_options(automata_settings INTERFACE
      -Wno-error=array-bounds -Wno-error=stringop-overflow -Wno-error=stringop-overread -Wno-error=restrict
      -Wno-error=dangling-pointer)
  endif()
endif()
if(AUTOMATA_SANITIZE)
  target_compile_options(automata_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(automata_settings INTERFACE -fsanitize=address,undefined)
endif()
