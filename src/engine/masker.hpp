#pragma once
// Secrets are replaced by *** in everything printed, logged or journaled.
// Thread-safe: step threads mask their output while the driver adds the
// value behind a variable a step names at run time (`token_env:
// ${{ inputs.var }}`) before that step starts.
#include <shared_mutex>
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
  Masker() = default;
  Masker(const Masker& other);
  Masker& operator=(const Masker& other);
  Masker(Masker&& other) noexcept;
  Masker& operator=(Masker&& other) noexcept;
  ~Masker() = default;

  void add(std::string secret);
  bool empty() const;
  std::string mask(std::string_view text) const;
  // Masks every string (and object key) in a JSON value, in place.
  void mask_value(Value& value) const;

 private:
  void add_locked(std::string secret);
  std::string mask_locked(std::string_view text) const;
  void mask_value_locked(Value& value) const;

  mutable std::shared_mutex m_mutex;
  std::vector<std::string> m_secrets;  // longest first, so a secret containing another is masked whole
};

}  // namespace automata::engine
