// hashFiles(): the files it matches and the digest over them (expr_functions.hpp).
#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "engine/expr_functions.hpp"

namespace automata::engine::expr::detail {

namespace {

namespace fs = std::filesystem;

struct Glob {
  std::vector<std::string> segments;
  bool exclude = false;
};

constexpr std::string_view k_any_depth = "**";

bool has_wildcard(std::string_view segment) {
  return segment.find_first_of("*?") != std::string_view::npos;
}

// Greedy matching with one backtrack point: correct because every token but
// `*` matches exactly one character.
bool match_segment(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

// The same algorithm one level up: `**` spans segments, any other pattern
// segment matches exactly one path segment.
bool match_path(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (t < path.size()) {
    if (p < pattern.size() && pattern[p] == k_any_depth) {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && match_segment(pattern[p], path[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == k_any_depth) {
    ++p;
  }
  return p == pattern.size();
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) {
      segments.push_back(path.substr(start, end - start));
    }
    start = end + 1;
  }
  return segments;
}

Result<Glob> parse_glob(std::string_view text) {
  Glob glob;
  const std::string_view original = text;
  if (!text.empty() && text.front() == '!') {
    glob.exclude = true;
    text.remove_prefix(1);
  }
  if (!text.empty() && text.front() == '/') {
    return Error::failed(fmt::format("hashFiles: pattern '{}' is absolute; patterns are relative", original));
  }
  for (const std::string_view segment : split_path(text)) {
    if (segment == ".") {
      continue;
    }
    if (segment == "..") {
      return Error::failed(fmt::format("hashFiles: pattern '{}' leaves the base directory", original));
    }
    glob.segments.emplace_back(segment);
  }
  return glob;
}

bool is_symlink_or_missing(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  return ec || fs::is_symlink(status) || !fs::exists(status);
}

std::string join_segments(const std::vector<std::string>& segments, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) {
      out += '/';
    }
    out += segments[i];
  }
  return out;
}

// Adds the relative paths of the regular files under root that `glob` matches.
Result<void> collect_matches(const Glob& glob, const fs::path& root, std::set<std::string>& matched) {
  const auto& segments = glob.segments;
  if (segments.empty()) {
    return {};
  }
  // Walk only below the literal leading segments, which are checked not to be links.
  std::size_t literal = 0;
  while (literal < segments.size() && !has_wildcard(segments[literal])) {
    ++literal;
  }
  fs::path base = root;
  for (std::size_t i = 0; i < literal; ++i) {
    base /= segments[i];
    if (is_symlink_or_missing(base)) {
      return {};
    }
  }
  std::error_code ec;
  if (literal == segments.size()) {
    if (fs::is_regular_file(fs::symlink_status(base, ec))) {
      matched.insert(join_segments(segments, literal));
    }
    return {};
  }
  if (!fs::is_directory(fs::symlink_status(base, ec))) {
    return {};
  }
  bool any_depth = false;
  for (std::size_t i = literal; i < segments.size(); ++i) {
    any_depth = any_depth || segments[i] == k_any_depth;
  }
  const std::size_t remaining = segments.size() - literal;
  const std::string prefix = join_segments(segments, literal);

  fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    return Error::failed(fmt::format("hashFiles: cannot list '{}': {}", base.string(), ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return Error::failed(fmt::format("hashFiles: cannot list '{}': {}", base.string(), ec.message()));
    }
    const auto status = it->symlink_status(ec);
    if (ec) {
      continue;
    }
    if (fs::is_directory(status)) {
      if (!any_depth && static_cast<std::size_t>(it.depth()) + 1 >= remaining) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!fs::is_regular_file(status)) {
      continue;
    }
    std::string relative = it->path().lexically_relative(base).generic_string();
    if (!prefix.empty()) {
      relative = prefix + '/' + relative;
    }
    if (match_path(segments, split_path(relative))) {
      matched.insert(std::move(relative));
    }
  }
  if (ec) {
    return Error::failed(fmt::format("hashFiles: cannot list '{}': {}", base.string(), ec.message()));
  }
  return {};
}

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

DigestContext new_sha256() {
  DigestContext context(EVP_MD_CTX_new());
  if (context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    context.reset();
  }
  return context;
}

using Digest = std::array<unsigned char, 32>;

Result<Digest> sha256_file(const fs::path& path, const std::string& relative) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return Error::failed(fmt::format("hashFiles: cannot read '{}': {}", relative, std::strerror(errno)));
  }
  DigestContext context = new_sha256();
  if (!context) {
    return Error::infra("hashFiles: OpenSSL cannot create a SHA-256 context");
  }
  std::array<char, 65536> buffer{};
  while (true) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0) {
      EVP_DigestUpdate(context.get(), buffer.data(), n);
    }
    if (n < buffer.size()) {
      if (std::ferror(file.get()) != 0) {
        return Error::failed(fmt::format("hashFiles: cannot read '{}': {}", relative, std::strerror(errno)));
      }
      break;
    }
  }
  Digest digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &size);
  return digest;
}

}  // namespace

Result<std::string> hash_files(const std::vector<std::string>& patterns, const fs::path& root) {
  // As GitHub's globber (implicit descendants), a pattern that matches a
  // directory matches the files below it: `src` hashes every file in src,
  // `!build` excludes all of build. `P/**` matches what P does and those.
  std::vector<Glob> globs;
  for (const auto& pattern : patterns) {
    TRY_ASSIGN(Glob glob, parse_glob(pattern));
    if (!glob.segments.empty() && glob.segments.back() != k_any_depth) {
      Glob below = glob;
      below.segments.emplace_back(k_any_depth);
      if (!glob.exclude) {
        globs.push_back(std::move(glob));  // walks to a file P itself: `P/**` walks only a directory P
      }
      glob = std::move(below);
    }
    globs.push_back(std::move(glob));
  }
  std::set<std::string> matched;
  for (const auto& glob : globs) {
    if (!glob.exclude) {
      TRY(collect_matches(glob, root, matched));
    }
  }
  DigestContext total = new_sha256();
  if (!total) {
    return Error::infra("hashFiles: OpenSSL cannot create a SHA-256 context");
  }
  bool any = false;
  for (const auto& relative : matched) {
    const auto segments = split_path(relative);
    bool excluded = false;
    for (const auto& glob : globs) {
      if (glob.exclude && match_path(glob.segments, segments)) {
        excluded = true;
        break;
      }
    }
    if (excluded) {
      continue;
    }
    TRY_ASSIGN(Digest digest, sha256_file(root / relative, relative));
    EVP_DigestUpdate(total.get(), digest.data(), digest.size());
    any = true;
  }
  if (!any) {
    return std::string();
  }
  Digest digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(total.get(), digest.data(), &size);
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (const unsigned char byte : digest) {
    fmt::format_to(std::back_inserter(hex), "{:02x}", byte);
  }
  return hex;
}

}  // namespace automata::engine::expr::detail
