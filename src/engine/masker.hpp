#pragma once
// Secrets are replaced by *** in everything printed, logged or journaled.
#include <string>
#include <string_view>
#include <vector>

#include "engine/value.hpp"

namespace automata::engine {

class Masker {
 public:
  // Values shorter than k_min_length are not masked: masking "1" or "no"
  // everywhere would destroy output without protecting anything.
  static constexpr std::size_t k_min_length = 4;
  void add(std::string secret);
  bool empty() const { return m_secrets.empty(); }
  std::string mask(std::string_view text) const;
  // Masks every string (and object key) in a JSON value, in place.
  void mask_value(Value& value) const;

 private:
  std::vector<std::string> m_secrets;  // longest first, so a secret containing another is masked whole
};

}  // namespace automata::engine
