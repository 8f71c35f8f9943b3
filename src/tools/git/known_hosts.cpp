#include "tools/git/known_hosts.hpp"

#include <sstream>
#include <vector>

namespace automata::tools::git {
namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

}  // namespace

std::string base64_encode(std::string_view bytes, bool pad) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) {
      n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    if (rest == 2) {
      out += k_alphabet[(n >> 6) & 63];
    }
    if (pad) {
      out.append(3 - rest, '=');
    }
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') {
      break;
    }
    const auto value = k_alphabet.find(c);
    if (value == std::string_view::npos) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::string key_type_of(std::string_view key_blob) {
  if (key_blob.size() < 4) {
    return {};
  }
  const std::size_t length = (static_cast<std::size_t>(static_cast<unsigned char>(key_blob[0])) << 24) |
                             (static_cast<std::size_t>(static_cast<unsigned char>(key_blob[1])) << 16) |
                             (static_cast<std::size_t>(static_cast<unsigned char>(key_blob[2])) << 8) |
                             static_cast<std::size_t>(static_cast<unsigned char>(key_blob[3]));
  if (length > key_blob.size() - 4) {
    return {};
  }
  return std::string(key_blob.substr(4, length));
}

HostKeyVerdict check_known_host(std::string_view known_hosts, std::string_view host, int port,
                                std::string_view key_blob) {
  const std::string wanted = port == 22 ? std::string(host) : "[" + std::string(host) + "]:" + std::to_string(port);
  const std::string type = key_type_of(key_blob);
  HostKeyVerdict verdict = HostKeyVerdict::unknown;
  std::istringstream lines{std::string(known_hosts)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string hosts;
    std::string key_type;
    std::string key;
    if (!(fields >> hosts >> key_type >> key) || hosts.empty() || hosts[0] == '#' || hosts[0] == '@') {
      continue;
    }
    bool named = false;
    for (const auto& name : split(hosts, ',')) {
      named = named || name == wanted;
    }
    if (!named || key_type != type) {
      continue;
    }
    if (base64_decode(key) == std::string(key_blob)) {
      return HostKeyVerdict::known;
    }
    verdict = HostKeyVerdict::mismatch;
  }
  return verdict;
}

}  // namespace automata::tools::git
