#include "engine/hash.hpp"

// OpenSSL's one-shot SHA256(), not EVP: EVP's first use loads the default
// provider and registers every algorithm name, about half a millisecond of
// every `validate` and `run` for one small hash. SHA256() is deprecated in
// OpenSSL 3 in favour of EVP but kept, and computes the same digest.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <array>

namespace automata::engine {

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, data.data(), data.size());
  SHA256_Final(digest.data(), &context);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const unsigned char byte : digest) {
    out += k_hex[byte >> 4];
    out += k_hex[byte & 0xF];
  }
  return out;
}

}  // namespace automata::engine
