#pragma once
// libcurl, loaded when the first HTTP request is made instead of when the
// program starts: Debian's libcurl pulls in about thirty libraries (GnuTLS,
// Kerberos, LDAP, librtmp, ...) whose loading and constructors would add
// several milliseconds to every command, `automata validate` included.
// Every libcurl call of automata goes through this table.
#include <ctime>

#include <curl/curl.h>

#include "engine/result.hpp"

namespace automata::tools::http {

struct CurlLibrary {
  CURLcode (*global_init)(long flags) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...) = nullptr;
  CURLcode (*easy_perform)(CURL* handle) = nullptr;
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...) = nullptr;
  void (*easy_cleanup)(CURL* handle) = nullptr;
  const char* (*easy_strerror)(CURLcode code) = nullptr;
  curl_slist* (*slist_append)(curl_slist* list, const char* text) = nullptr;
  void (*slist_free_all)(curl_slist* list) = nullptr;
  time_t (*getdate)(const char* text, const time_t* unused) = nullptr;
  void (*free)(void* pointer) = nullptr;
  // The URL API (urlapi.h): parsing, relative references, parts.
  CURLU* (*url)() = nullptr;
  void (*url_cleanup)(CURLU* handle) = nullptr;
  CURLUcode (*url_set)(CURLU* handle, CURLUPart what, const char* part, unsigned int flags) = nullptr;
  CURLUcode (*url_get)(CURLU* handle, CURLUPart what, char** part, unsigned int flags) = nullptr;
};

// Loads libcurl.so.4 and runs curl_global_init, once and thread-safely. The
// error says what is missing and what to install.
Result<const CurlLibrary*> curl_library();

}  // namespace automata::tools::http
