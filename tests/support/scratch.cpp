#include "support/scratch.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace automata::test {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "automata-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = pattern;
}

ScratchDir::~ScratchDir() {
  if (std::getenv("AUTOMATA_KEEP_TEST_DIRS") != nullptr) {
    std::fprintf(stderr, "[test] kept scratch directory %s\n", m_path.c_str());
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

std::filesystem::path ScratchDir::write(std::string_view name, std::string_view content) const {
  const auto file = m_path / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  return file;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace automata::test
