#pragma once
// libgit2 keeps one certificate store for the whole process, and replacing
// it frees the store a transfer in flight may be reading. So https sessions
// hold the store shared while they talk; adding a CA (a ca_file parameter)
// takes it exclusively and loads a store of every CA added so far besides
// the system's: a CA once added stays trusted for the process.
#include <filesystem>
#include <shared_mutex>
#include <string>

#include "engine/result.hpp"

namespace automata::tools::git {

class TlsTrust {
 public:
  static TlsTrust& instance();
  std::shared_mutex& mutex() { return m_mutex; }
  // Adds the PEM certificate in `file`; `scratch` is where the combined store
  // is written for libgit2 to load, and removed.
  Result<void> add(const std::filesystem::path& file, const std::filesystem::path& scratch, const std::string& kind);

 private:
  std::shared_mutex m_mutex;
  std::string m_bundle;  // every CA added, PEM
};

}  // namespace automata::tools::git
