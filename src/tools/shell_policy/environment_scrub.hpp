#pragma once
// The environment of a command a model chose: an allowlist, not a denylist
// (agents-protocols-forges.md §6.3). What a shell, a compiler, a test runner
// and a package manager need is kept (PATH, HOME, locale, terminal, temporary
// directory, compilers and their flags, language tool paths, the step's
// AUTOMATA_* variables); everything else is dropped, and a credential-looking
// name is dropped even when listed, unless the caller allows it by exact name.
#include <string>
#include <string_view>
#include <vector>

#include "engine/secret_names.hpp"

namespace automata::tools::shell_policy {

using engine::looks_secret;

// Whether the allowlist keeps a variable of this name.
bool allowed_variable(std::string_view name);

// `environment` is KEY=VALUE entries; `allowed` names are kept whatever they are.
std::vector<std::string> scrub_environment(const std::vector<std::string>& environment,
                                           const std::vector<std::string>& allowed);

}  // namespace automata::tools::shell_policy
