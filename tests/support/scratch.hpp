#pragma once
// A scratch directory per test: created fresh, removed afterwards unless
// AUTOMATA_KEEP_TEST_DIRS is set (then its path is printed).
#include <filesystem>
#include <string>
#include <string_view>

namespace automata::test {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(std::string_view name) const { return m_path / name; }
  // Writes a file (creating parent directories) and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path m_path;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace automata::test
