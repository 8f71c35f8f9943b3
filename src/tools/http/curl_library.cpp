#include "tools/http/curl_library.hpp"

#include <dlfcn.h>

#include <mutex>

#include <fmt/format.h>

namespace automata::tools::http {
namespace {

template <typename Function>
bool bind(void* library, const char* name, Function& slot, std::string& missing) {
  slot = reinterpret_cast<Function>(::dlsym(library, name));
  if (slot == nullptr && missing.empty()) {
    missing = name;
  }
  return slot != nullptr;
}

}  // namespace

Result<const CurlLibrary*> curl_library() {
  static CurlLibrary table;
  static std::string problem;
  static std::once_flag once;
  std::call_once(once, [] {
    // Never closed: handles and global state live as long as the process.
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* why = ::dlerror();
      problem = fmt::format("cannot load libcurl.so.4 ({}): install libcurl4 (Debian: apt-get install libcurl4)",
                            why != nullptr ? why : "not found");
      return;
    }
    std::string missing;
    bind(library, "curl_global_init", table.global_init, missing);
    bind(library, "curl_easy_init", table.easy_init, missing);
    bind(library, "curl_easy_setopt", table.easy_setopt, missing);
    bind(library, "curl_easy_perform", table.easy_perform, missing);
    bind(library, "curl_easy_getinfo", table.easy_getinfo, missing);
    bind(library, "curl_easy_cleanup", table.easy_cleanup, missing);
    bind(library, "curl_easy_strerror", table.easy_strerror, missing);
    bind(library, "curl_slist_append", table.slist_append, missing);
    bind(library, "curl_slist_free_all", table.slist_free_all, missing);
    bind(library, "curl_getdate", table.getdate, missing);
    bind(library, "curl_free", table.free, missing);
    bind(library, "curl_url", table.url, missing);
    bind(library, "curl_url_cleanup", table.url_cleanup, missing);
    bind(library, "curl_url_set", table.url_set, missing);
    bind(library, "curl_url_get", table.url_get, missing);
    if (!missing.empty()) {
      problem = fmt::format("libcurl.so.4 has no {}: it is too old; install a libcurl4 of 7.85 or later", missing);
      return;
    }
    // Not thread-safe, so inside call_once, before any handle exists.
    if (table.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      problem = "libcurl could not initialise (curl_global_init failed)";
    }
  });
  if (!problem.empty()) {
    return Error::infra(problem);
  }
  return &table;
}

}  // namespace automata::tools::http
