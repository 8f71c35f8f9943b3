#include "tools/shell_policy/command_blocklist.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <span>

#include <fmt/format.h>

#include "tools/shell_policy/command_words.hpp"

namespace automata::tools::shell_policy {
namespace {

using Words = std::span<const std::string>;
using Reason = std::optional<std::string>;

constexpr int k_max_depth = 6;  // bash -c "bash -c '...'" nesting checked

std::string base_name(const std::string& word) {
  const auto slash = word.rfind('/');
  return slash == std::string::npos ? word : word.substr(slash + 1);
}

bool one_of(const std::string& word, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), word) != names.end();
}

bool is_shell(const std::string& name) {
  return one_of(name, {"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish"});
}

bool is_interpreter(const std::string& name) {
  return is_shell(name) || one_of(name, {"python", "python3", "perl", "ruby", "node"});
}

bool is_assignment(const std::string& word) {
  const auto equals = word.find('=');
  if (equals == std::string::npos || equals == 0) {
    return false;
  }
  return std::all_of(word.begin(), word.begin() + static_cast<long>(equals),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A short option cluster ("-rf") containing the letter, or the long option.
bool has_flag(Words args, char letter, std::string_view long_name) {
  for (const auto& arg : args) {
    if (arg == "--") {
      break;
    }
    if (arg == long_name) {
      return true;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-' && arg.find(letter) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> operands(Words args) {
  std::vector<std::string> result;
  bool options_done = false;
  for (const auto& arg : args) {
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (options_done || arg.empty() || arg[0] != '-') {
      result.push_back(arg);
    }
  }
  return result;
}

// Commands that run the rest of their words as a command, with the options
// of each that take a separate argument.
struct Wrapper {
  std::string_view name;
  std::vector<std::string_view> with_argument;
};

const Wrapper* find_wrapper(const std::string& name) {
  static const std::vector<Wrapper> k_wrappers = {
      {"sudo", {"-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t", "-D"}},
      {"doas", {"-u", "-C"}},
      {"env", {"-u", "-C", "-S", "--unset", "--chdir"}},
      {"nice", {"-n", "--adjustment"}},
      {"ionice", {"-n", "-c", "-p"}},
      {"timeout", {"-s", "-k", "--signal", "--kill-after"}},
      {"xargs", {"-I", "-n", "-P", "-d", "-L", "-E", "-s", "-a", "--delimiter", "--max-args"}},
      {"command", {}},
      {"builtin", {}},
      {"exec", {}},
      {"nohup", {}},
      {"time", {}},
      {"setsid", {}},
      {"stdbuf", {}},
      {"unbuffer", {}},
      {"then", {}},
      {"do", {}},
      {"else", {}},
      {"if", {}},
      {"while", {}},
      {"until", {}}};
  for (const auto& wrapper : k_wrappers) {
    if (wrapper.name == name) {
      return &wrapper;
    }
  }
  return nullptr;
}

Words strip_wrappers(Words words) {
  std::size_t i = 0;
  while (i < words.size()) {
    if (is_assignment(words[i])) {
      ++i;
      continue;
    }
    const std::string name = base_name(words[i]);
    const Wrapper* wrapper = find_wrapper(name);
    if (wrapper == nullptr) {
      break;
    }
    ++i;
    while (i < words.size() && (words[i].starts_with("-") || is_assignment(words[i]))) {
      const auto& options = wrapper->with_argument;
      i += std::find(options.begin(), options.end(), words[i]) != options.end() ? 2 : 1;
    }
    if (name == "timeout" && i < words.size()) {
      ++i;  // the duration
    }
  }
  return words.subspan(std::min(i, words.size()));
}

// What deleting or changing `target` recursively would hit, or nullopt.
std::optional<std::string> sweeping_target(const std::string& target) {
  std::string path = target;
  // "//", "/./" and trailing "/", "/.", "/*" do not change what is hit.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view suffix : {"/*", "/.", "/"}) {
      if (path.size() > suffix.size() && path.ends_with(suffix)) {
        path.resize(path.size() - suffix.size());
        changed = true;
      }
    }
    if (auto at = path.find("//"); at != std::string::npos) {
      path.erase(at, 1);
      changed = true;
    }
  }
  if (path == "/" || path == "/*" || path == "/." || path.empty()) {
    return std::string("the root filesystem");
  }
  // "$DIR/" and "${DIR}/*" are the root when DIR is empty or unset (the
  // Steam installer bug); `target` still has its trailing "/" or "/*".
  static const std::regex k_variable_root(R"(^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/\*?$)");
  if (std::regex_match(target, k_variable_root) && path != "$HOME" && path != "${HOME}") {
    return fmt::format("the root filesystem if {} is empty", path);
  }
  if (path == "~" || path == "$HOME" || path == "${HOME}" || path == "~/*" || path == "$HOME/*") {
    return std::string("the home directory");
  }
  if (path == ".." || path == "../*") {
    return std::string("the directory above the working directory");
  }
  static const std::array<std::string_view, 16> k_system = {"/bin",   "/boot",  "/dev", "/etc",  "/home", "/lib",
                                                            "/lib32", "/lib64", "/opt", "/proc", "/root", "/sbin",
                                                            "/srv",   "/sys",   "/usr", "/var"};
  if (std::find(k_system.begin(), k_system.end(), path) != k_system.end()) {
    return fmt::format("the system directory {}", path);
  }
  return std::nullopt;
}

bool is_disk_device(const std::string& path) {
  static const std::regex k_disk(
      R"(^/dev/(sd[a-z]|nvme[0-9]|hd[a-z]|vd[a-z]|xvd[a-z]|mmcblk[0-9]|md[0-9]|dm-[0-9]|loop[0-9]|disk/|mapper/))");
  return std::regex_search(path, k_disk);
}

bool is_harmless_device(const std::string& path) {
  return one_of(path, {"/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/full"}) ||
         path.starts_with("/dev/fd/");
}

Reason check_rm(Words args) {
  if (std::find(args.begin(), args.end(), "--no-preserve-root") != args.end()) {
    return "--no-preserve-root removes rm's guard for the root filesystem";
  }
  if (!has_flag(args, 'r', "--recursive") && !has_flag(args, 'R', "--recursive")) {
    return std::nullopt;
  }
  for (const auto& target : operands(args)) {
    if (auto hit = sweeping_target(target)) {
      return fmt::format("deletes {}", *hit);
    }
  }
  return std::nullopt;
}

Reason check_permissions(const std::string& name, Words args) {
  if (!has_flag(args, 'R', "--recursive")) {
    return std::nullopt;
  }
  const auto targets = operands(args);
  for (std::size_t i = 1; i < targets.size(); ++i) {  // the first operand is the mode or owner
    if (auto hit = sweeping_target(targets[i])) {
      if (name == "chmod" && one_of(targets[0], {"777", "0777", "a+rwx", "ugo+rwx", "a+w", "o+w"})) {
        return fmt::format("makes every file of {} world-writable", *hit);
      }
      return fmt::format("changes the {} of every file of {}", name == "chmod" ? "permissions" : "owner", *hit);
    }
  }
  return std::nullopt;
}

// Index of the git subcommand after global options (-C dir, -c k=v, ...).
std::size_t git_subcommand(Words args) {
  std::size_t i = 0;
  while (i < args.size() && args[i].starts_with("-")) {
    i += one_of(args[i], {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"}) ? 2 : 1;
  }
  return i;
}

Reason check_git_push(Words args, const BlocklistOptions& options) {
  bool force = false;
  bool remove = false;
  bool everything = false;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--force" || arg.starts_with("--force-with-lease") || arg == "--force-if-includes") {
      force = true;
    } else if (arg == "--delete") {
      remove = true;
    } else if (arg == "--all" || arg == "--mirror" || arg == "--branches") {
      everything = true;
      force = force || arg == "--mirror";
    } else if (one_of(arg, {"-o", "--push-option", "--repo", "--receive-pack", "--exec"})) {
      ++i;
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      force = force || arg.find('f') != std::string::npos;
      remove = remove || arg.find('d') != std::string::npos;
    } else if (!arg.starts_with("-")) {
      positional.push_back(arg);
    }
  }
  const std::string& base = options.base_branch;
  const std::string shown_base = base.empty() ? "the base branch" : "the base branch " + base;
  std::vector<std::string> refspecs(positional.begin() + std::min<long>(1, static_cast<long>(positional.size())),
                                    positional.end());
  for (const auto& refspec : refspecs) {
    const bool plus = refspec.starts_with("+");
    std::string spec = plus ? refspec.substr(1) : refspec;
    const auto colon = spec.find(':');
    const std::string source = colon == std::string::npos ? spec : spec.substr(0, colon);
    std::string target = colon == std::string::npos ? spec : spec.substr(colon + 1);
    if (target.starts_with("refs/heads/")) {
      target = target.substr(11);
    }
    const bool is_base = base.empty() || target == base || target == "HEAD";
    if (is_base && (force || plus)) {
      return fmt::format("force-pushes {}, rewriting its history; push to another branch", shown_base);
    }
    if (is_base && !base.empty() && (remove || (colon != std::string::npos && source.empty()))) {
      return fmt::format("deletes {} on the remote", shown_base);
    }
  }
  if (force && (refspecs.empty() || everything)) {
    return fmt::format("force-pushes without naming the branch, which may be {}; name the branch to push", shown_base);
  }
  return std::nullopt;
}

Reason check_line(std::string_view text, const BlocklistOptions& options, int depth);

Reason check_command(Words all_words, const BlocklistOptions& options, int depth) {
  const Words words = strip_wrappers(all_words);
  if (words.empty()) {
    return std::nullopt;
  }
  const std::string name = base_name(words[0]);
  const Words args = words.subspan(1);
  if (name == "rm") {
    return check_rm(args);
  }
  if (name.starts_with("mkfs") || name == "mke2fs" || name == "mkswap") {
    return "formats a filesystem";
  }
  if (name == "wipefs") {
    return "erases filesystem signatures";
  }
  if (name == "dd") {
    for (const auto& arg : args) {
      if (arg.starts_with("of=/dev/") && !is_harmless_device(arg.substr(3))) {
        return fmt::format("writes raw data to the device {}", arg.substr(3));
      }
    }
  }
  if (one_of(name, {"tee", "cp", "mv", "shred", "cat", "install"})) {
    for (const auto& arg : args) {
      if (is_disk_device(arg)) {
        return fmt::format("writes to the disk device {}", arg);
      }
    }
  }
  if (one_of(name, {"chmod", "chown", "chgrp"})) {
    return check_permissions(name, args);
  }
  if (one_of(name, {"shutdown", "reboot", "halt", "poweroff"})) {
    return "stops or restarts the machine";
  }
  if ((name == "init" || name == "telinit") && !args.empty() && one_of(args[0], {"0", "6"})) {
    return "stops or restarts the machine";
  }
  if (name == "systemctl" && !operands(args).empty() &&
      one_of(operands(args)[0], {"poweroff", "reboot", "halt", "kexec", "suspend", "hibernate"})) {
    return "stops or restarts the machine";
  }
  if (name == "git") {
    const std::size_t sub = git_subcommand(args);
    if (sub < args.size() && args[sub] == "push") {
      return check_git_push(args.subspan(sub + 1), options);
    }
  }
  if (is_shell(name) || name == "eval") {
    // The script of `bash -c SCRIPT` (also -lc, -ec ...), or eval's words.
    if (name == "eval") {
      std::string script;
      for (const auto& arg : args) {
        script += arg + " ";
      }
      return check_line(script, options, depth + 1);
    }
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i].size() > 1 && args[i][0] == '-' && args[i][1] != '-' && args[i].find('c') != std::string::npos) {
        return check_line(args[i + 1], options, depth + 1);
      }
    }
  }
  return std::nullopt;
}

bool downloads(const SimpleCommand& command) {
  const Words words = strip_wrappers(command.words);
  return !words.empty() && one_of(base_name(words[0]), {"curl", "wget", "fetch"});
}

bool runs_script(const SimpleCommand& command) {
  const Words words = strip_wrappers(command.words);
  if (words.empty()) {
    return false;
  }
  const std::string name = base_name(words[0]);
  return is_interpreter(name) || one_of(name, {"eval", "source", "."});
}

bool substitution_downloads(const SimpleCommand& command) {
  for (const auto& inner : command.substitutions) {
    for (const auto& pipeline : split_command_line(inner).pipelines) {
      if (std::any_of(pipeline.commands.begin(), pipeline.commands.end(), downloads)) {
        return true;
      }
    }
  }
  return false;
}

Reason check_line(std::string_view text, const BlocklistOptions& options, int depth) {
  if (depth > k_max_depth) {
    return std::nullopt;
  }
  // :(){ :|:& };: and the same with any function name.
  std::string packed;
  std::copy_if(text.begin(), text.end(), std::back_inserter(packed),
               [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
  static const std::regex k_fork_bomb(R"(([A-Za-z_:][A-Za-z0-9_:]*)\(\)\{\1\|\1&\};?\1)");
  if (std::regex_search(packed, k_fork_bomb)) {
    return "a fork bomb: it starts processes until the machine stops responding";
  }
  const CommandLine line = split_command_line(text);
  for (const auto& inner : line.substitutions) {
    if (auto reason = check_line(inner, options, depth + 1)) {
      return reason;
    }
  }
  for (const auto& pipeline : line.pipelines) {
    bool downloaded = false;
    for (const auto& command : pipeline.commands) {
      for (const auto& target : command.redirects) {
        if (is_disk_device(target)) {
          return fmt::format("writes to the disk device {}", target);
        }
      }
      if (auto reason = check_command(command.words, options, depth)) {
        return reason;
      }
      // curl URL | sh, and also bash <(curl URL) and sh -c "$(curl URL)".
      if (runs_script(command) && (downloaded || substitution_downloads(command))) {
        return "runs a script downloaded from the network; download it to a file and read it first";
      }
      downloaded = downloaded || downloads(command);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> dangerous_command_reason(std::string_view command, const BlocklistOptions& options) {
  return check_line(command, options, 0);
}

}  // namespace automata::tools::shell_policy
