#pragma once
// Failed comparisons of string lists print the lists. One definition for
// every test file: two differing specializations would break the ODR.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& items) {
    return fmt::format("[{}]", fmt::join(items, ", ")).c_str();
  }
};
}  // namespace doctest
