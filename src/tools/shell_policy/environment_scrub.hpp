#pragma once
// The environment of a command a model chose: variables whose names look
// like credentials are removed (agents-protocols-forges.md §6.3, as Codex's
// default excludes), unless the caller allows them by exact name.
#include <string>
#include <string_view>
#include <vector>

namespace automata::tools::shell_policy {

// True for names containing KEY, TOKEN, SECRET, PASSWORD, PASSWD or
// CREDENTIAL, in any case ("MY_API_KEY", "github_token").
bool looks_secret(std::string_view name);

// `environment` is KEY=VALUE entries; `allowed` names are kept even if they look secret.
std::vector<std::string> scrub_environment(const std::vector<std::string>& environment,
                                           const std::vector<std::string>& allowed);

}  // namespace automata::tools::shell_policy
