#include "tools/http/url.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <fmt/format.h>

#include "tools/http/curl_library.hpp"

namespace automata::tools::http {
namespace {

struct UrlDeleter {
  const CurlLibrary* lib;
  void operator()(CURLU* handle) const { lib->url_cleanup(handle); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// A part of the URL in `handle`, or nullopt.
std::optional<std::string> part(const CurlLibrary& lib, CURLU* handle, CURLUPart what, unsigned int flags = 0) {
  char* text = nullptr;
  if (lib.url_get(handle, what, &text, flags) != CURLUE_OK || text == nullptr) {
    return std::nullopt;
  }
  std::string out(text);
  lib.free(text);
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

Result<std::string> resolve_url(const std::string& base, const std::string& reference) {
  TRY_ASSIGN(const CurlLibrary* lib, curl_library());
  UrlHandle handle(lib->url(), UrlDeleter{lib});
  if (!handle) {
    return Error::infra("cannot parse a URL: curl_url failed");
  }
  if (lib->url_set(handle.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
    return Error::usage(fmt::format("'{}' is not a URL", base));
  }
  // Set on a handle that holds a URL, a relative one is resolved against it.
  if (lib->url_set(handle.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
    return Error::usage(fmt::format("'{}' is not a URL, nor one relative to {}", reference, base));
  }
  auto resolved = part(*lib, handle.get(), CURLUPART_URL);
  if (!resolved) {
    return Error::usage(fmt::format("'{}' relative to {} gives no URL", reference, base));
  }
  return *resolved;
}

std::optional<std::string> url_origin(const std::string& url) {
  auto library = curl_library();
  if (!library.ok()) {
    return std::nullopt;
  }
  const CurlLibrary& lib = *library.value();
  UrlHandle handle(lib.url(), UrlDeleter{&lib});
  if (!handle || lib.url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  const auto scheme = part(lib, handle.get(), CURLUPART_SCHEME);
  const auto host = part(lib, handle.get(), CURLUPART_HOST);
  const auto port = part(lib, handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) {
    return std::nullopt;
  }
  return fmt::format("{}://{}:{}", lower(*scheme), lower(*host), *port);
}

bool same_origin(const std::string& url, const std::string& other) {
  const auto first = url_origin(url);
  return first.has_value() && first == url_origin(other);
}

}  // namespace automata::tools::http
