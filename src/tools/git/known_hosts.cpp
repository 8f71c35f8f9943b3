#include "tools/git/known_hosts.hpp"

#include <cstdint>
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

// SHA-1 (FIPS 180-4), only to match hashed known_hosts names: HMAC-SHA1
// keyed with the entry's salt over the host name.
std::string sha1(std::string_view data) {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string message(data);
  const std::uint64_t bit_length = static_cast<std::uint64_t>(data.size()) * 8;
  message += static_cast<char>(0x80);
  while (message.size() % 64 != 56) {
    message += static_cast<char>(0);
  }
  for (int shift = 56; shift >= 0; shift -= 8) {
    message += static_cast<char>((bit_length >> shift) & 0xff);
  }
  const auto rotl = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      w[i] = (static_cast<std::uint32_t>(static_cast<unsigned char>(message[block + 4 * i])) << 24) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(message[block + 4 * i + 1])) << 16) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(message[block + 4 * i + 2])) << 8) |
             static_cast<std::uint32_t>(static_cast<unsigned char>(message[block + 4 * i + 3]));
    }
    for (int i = 16; i < 80; ++i) {
      w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const std::uint32_t next = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = next;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::string digest;
  for (const auto word : h) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      digest += static_cast<char>((word >> shift) & 0xff);
    }
  }
  return digest;
}

std::string hmac_sha1(std::string key, std::string_view data) {
  if (key.size() > 64) {
    key = sha1(key);
  }
  key.resize(64, '\0');
  std::string inner(64, '\0');
  std::string outer(64, '\0');
  for (std::size_t i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(key[i] ^ 0x36);
    outer[i] = static_cast<char>(key[i] ^ 0x5c);
  }
  return sha1(outer + sha1(inner + std::string(data)));
}

// "|1|base64(salt)|base64(HMAC-SHA1(salt, name))", as ssh-keygen -H writes.
bool hashed_name_matches(std::string_view entry, const std::string& name) {
  const auto parts = split(entry, '|');
  if (parts.size() != 4 || !parts[0].empty() || parts[1] != "1") {
    return false;
  }
  const auto salt = base64_decode(parts[2]);
  const auto hash = base64_decode(parts[3]);
  return salt && hash && hmac_sha1(*salt, name) == *hash;
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
      named = named || name == wanted || hashed_name_matches(name, wanted);
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
