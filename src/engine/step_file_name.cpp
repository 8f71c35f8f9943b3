#include "engine/step_file_name.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace automata::engine {

std::string safe_file_name(std::string_view id) {
  // Injective: every byte outside the safe set is %XX (and '%' itself), so
  // t[q=a b] and t[q=a:b] never share a log, an output file or a child run.
  std::string out;
  out.reserve(id.size());
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == '[' || c == ']' || c == '=' || c == ',';
    if (ok) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  if (out == "." || out == "..") {
    out = fmt::format("%2E{}", out.substr(1));
  }
  // A name too long for the file system keeps its start and a digest of the whole.
  if (out.size() > 200) {
    std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
    for (const char c : id) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    out = fmt::format("{}~{:016x}", out.substr(0, 183), hash);
  }
  return out;
}

}  // namespace automata::engine
