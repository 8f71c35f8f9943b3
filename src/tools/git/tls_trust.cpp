#include "tools/git/tls_trust.hpp"

#include <git2.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "tools/git/git_support.hpp"

namespace automata::tools::git {

TlsTrust& TlsTrust::instance() {
  static TlsTrust trust;
  return trust;
}

Result<void> TlsTrust::add(const std::filesystem::path& file, const std::filesystem::path& scratch,
                           const std::string& kind) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in || content.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Error::usage(fmt::format("{}: ca_file {} is not a readable PEM certificate", kind, file.string()));
  }
  std::unique_lock lock(m_mutex);
  if (m_bundle.find(content.str()) != std::string::npos) {
    return {};
  }
  const std::string bundle = m_bundle + content.str() + "\n";
  {
    std::ofstream out(scratch, std::ios::binary | std::ios::trunc);
    out << bundle;
    if (!out.flush()) {
      return Error::infra(fmt::format("{}: cannot write {}", kind, scratch.string()));
    }
  }
  std::error_code error;
  const char* system_dir = std::filesystem::is_directory("/etc/ssl/certs", error) ? "/etc/ssl/certs" : nullptr;
  const int loaded = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, scratch.c_str(), system_dir);
  std::filesystem::remove(scratch, error);
  if (loaded != 0) {
    return Error::usage(fmt::format("{}: cannot load ca_file {}: {}", kind, file.string(), last_error()));
  }
  m_bundle = bundle;
  return {};
}

}  // namespace automata::tools::git
