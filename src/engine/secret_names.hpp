#pragma once
// Which environment variables hold secrets. A secret variable never reaches
// the `env` context, and reaches a step's environment only where the step
// names it (docs/workflow-format.md "Secrets").
#include <string>
#include <string_view>
#include <vector>

namespace automata::engine {

// Credential-looking names: KEY, TOKEN, SECRET, PASSWORD, PASSWD or
// CREDENTIAL anywhere in the name, in any case.
bool looks_secret(std::string_view name);

// Variables automata itself reads credentials from, wherever they are set.
const std::vector<std::string>& well_known_secret_variables();

// Declared in the workflow's `secrets:`, well known, or credential-looking.
bool is_secret_variable(std::string_view name, const std::vector<std::string>& declared);

// A parameter that names the variable holding a credential: token_env,
// password_env, ssh_key_text_env, ... (any name ending in "_env").
bool names_a_secret_variable(std::string_view parameter);

// The names a shell script refers to as $NAME or ${NAME...}, among `names`.
std::vector<std::string> variables_named_in_script(std::string_view script, const std::vector<std::string>& names);

}  // namespace automata::engine
