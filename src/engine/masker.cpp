#include "engine/masker.hpp"

#include <algorithm>
#include <mutex>

namespace automata::engine {

Masker::Masker(const Masker& other) {
  std::shared_lock lock(other.m_mutex);
  m_secrets = other.m_secrets;
}

Masker& Masker::operator=(const Masker& other) {
  if (this != &other) {
    std::vector<std::string> copy;
    {
      std::shared_lock lock(other.m_mutex);
      copy = other.m_secrets;
    }
    std::unique_lock lock(m_mutex);
    m_secrets = std::move(copy);
  }
  return *this;
}

Masker::Masker(Masker&& other) noexcept {
  std::unique_lock lock(other.m_mutex);
  m_secrets = std::move(other.m_secrets);
}

Masker& Masker::operator=(Masker&& other) noexcept {
  if (this != &other) {
    std::vector<std::string> moved;
    {
      std::unique_lock lock(other.m_mutex);
      moved = std::move(other.m_secrets);
    }
    std::unique_lock lock(m_mutex);
    m_secrets = std::move(moved);
  }
  return *this;
}

bool Masker::empty() const {
  std::shared_lock lock(m_mutex);
  return m_secrets.empty();
}

void Masker::add(std::string secret) {
  std::unique_lock lock(m_mutex);
  add_locked(std::move(secret));
}

std::string Masker::mask(std::string_view text) const {
  std::shared_lock lock(m_mutex);
  return mask_locked(text);
}

void Masker::mask_value(Value& value) const {
  std::shared_lock lock(m_mutex);
  mask_value_locked(value);
}

void Masker::add_locked(std::string secret) {
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
        add_locked(std::move(line));
      }
      start = end + 1;
    }
  }
  m_secrets.push_back(std::move(secret));
  std::sort(m_secrets.begin(), m_secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Masker::mask_locked(std::string_view text) const {
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

void Masker::mask_value_locked(Value& value) const {
  if (m_secrets.empty()) {
    return;
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    for (const auto& secret : m_secrets) {
      if (text.find(secret) != std::string::npos) {
        value = mask_locked(text);
        return;
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) {
      mask_value_locked(item);
    }
  } else if (value.is_object()) {
    Value masked = Value::object();
    for (auto& [key, item] : value.items()) {
      mask_value_locked(item);
      masked[mask_locked(key)] = std::move(item);
    }
    value = std::move(masked);
  }
}

}  // namespace automata::engine
