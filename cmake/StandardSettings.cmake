# Warnings and sanitizer settings every first-party target links (ccache's
# StandardWarnings pattern): one place, so no target drifts.
add_library(automata_settings INTERFACE)
target_compile_options(automata_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
if(AUTOMATA_WERROR)
  target_compile_options(automata_settings INTERFACE -Werror)
endif()
if(AUTOMATA_SANITIZE)
  target_compile_options(automata_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(automata_settings INTERFACE -fsanitize=address,undefined)
endif()
