# Start-up time: with Debian's shared libgit2 (and the mbedTLS, libssh2,
# http-parser, PCRE2 and zlib it brings), yaml-cpp, libcrypto and libstdc++,
# the dynamic loader resolves about 8,000 symbols before main(): most of
# `automata validate`'s time. AUTOMATA_STATIC_DEPS links Debian's static
# archives of the same packages instead (the release preset turns it on);
# only the C library, libfmt, and the GSSAPI library libgit2's Negotiate
# authentication needs (Debian ships no static one) stay shared. libcurl is
# loaded on the first HTTP request either way (src/tools/http/curl_library.hpp).
option(AUTOMATA_STATIC_DEPS "Link libgit2, yaml-cpp, libcrypto and the C++ runtime statically" OFF)

set(AUTOMATA_DEPENDENCY_LIBRARIES yaml-cpp OpenSSL::Crypto PkgConfig::LIBGIT2)
if(AUTOMATA_STATIC_DEPS)
  set(AUTOMATA_DEPENDENCY_LIBRARIES)
  find_library(AUTOMATA_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a REQUIRED)
  list(APPEND AUTOMATA_DEPENDENCY_LIBRARIES ${AUTOMATA_YAML_CPP_ARCHIVE})
  # libgit2's own static dependencies, as its pkg-config file lists them.
  foreach(name IN LISTS LIBGIT2_STATIC_LIBRARIES)
    find_library(AUTOMATA_ARCHIVE_${name} NAMES lib${name}.a)
    if(AUTOMATA_ARCHIVE_${name})
      list(APPEND AUTOMATA_DEPENDENCY_LIBRARIES ${AUTOMATA_ARCHIVE_${name}})
    else()
      list(APPEND AUTOMATA_DEPENDENCY_LIBRARIES ${name})  # -lrt and the like: the C library's
    endif()
  endforeach()
  find_library(AUTOMATA_CRYPTO_ARCHIVE NAMES libcrypto.a REQUIRED)
  find_library(AUTOMATA_GSSAPI_LIBRARY NAMES gssapi_krb5 libgssapi_krb5.so.2 REQUIRED)
  list(APPEND AUTOMATA_DEPENDENCY_LIBRARIES ${AUTOMATA_CRYPTO_ARCHIVE} ${AUTOMATA_GSSAPI_LIBRARY})
  add_link_options(-static-libstdc++ -static-libgcc)
endif()
