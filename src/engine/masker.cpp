#include "engine/masker.hpp"

#include <algorithm>

namespace automata::engine {

void Masker::add(std::string secret) {
  if (secret.size() < k_min_length || std::find(m_secrets.begin(), m_secrets.end(), secret) != m_secrets.end()) {
    return;
  }
  // Output is masked line by line, so a PEM key printed across lines is
  // masked by its lines too (the BEGIN/END lines with them: harmless).
  if (const std::size_t newline = secret.find('\n'); newline != std::string::npos) {
    std::size_t start = 0;
    while (start < secret.size()) {
      std::size_t end = secret.find('\n', start);
      if (end == std::string::npos) {
        end = secret.size();
      }
      std::string line = secret.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (line.find_first_not_of(" \t") != std::string::npos) {
        add(std::move(line));
      }
      start = end + 1;
    }
  }
  m_secrets.push_back(std::move(secret));
  std::sort(m_secrets.begin(), m_secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Masker::mask(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : m_secrets) {
    std::size_t at = out.find(secret);
    while (at != std::string::npos) {
      out.replace(at, secret.size(), "***");
      at = out.find(secret, at + 3);
    }
  }
  return out;
}

void Masker::mask_value(Value& value) const {
  if (m_secrets.empty()) {
    return;
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    for (const auto& secret : m_secrets) {
      if (text.find(secret) != std::string::npos) {
        value = mask(text);
        return;
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) {
      mask_value(item);
    }
  } else if (value.is_object()) {
    Value masked = Value::object();
    for (auto& [key, item] : value.items()) {
      mask_value(item);
      masked[mask(key)] = std::move(item);
    }
    value = std::move(masked);
  }
}

}  // namespace automata::engine
