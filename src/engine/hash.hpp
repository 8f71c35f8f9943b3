#pragma once
#include <string>
#include <string_view>

namespace automata::engine {
// Lowercase hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view data);
}
