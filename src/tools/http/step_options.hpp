#pragma once
// Parameters every HTTP-speaking kind shares (retries, retry_delay,
// max_retry_wait, timeout, ca_file, dry_run): one declaration, one reading.
#include <vector>

#include "engine/step_kind.hpp"
#include "tools/http/http_client.hpp"

namespace automata::tools::http {

// The ParamSpecs of the shared parameters, appended to a kind's own.
std::vector<engine::ParamSpec> shared_http_params();

// A string parameter, or `fallback` when absent or not a string.
std::string string_param(const Value& params, const char* name, std::string fallback = {});
// The `ca_file` parameter as a path: relative to the step's working directory
// (as the git kinds read it), "" when not given.
std::string ca_file_param(const engine::StepContext& context);

bool bool_param(const Value& params, const char* name, bool fallback = false);

RetryOptions retry_options(const Value& params);
engine::Duration timeout_param(const Value& params);

// The run was started with --dry-run, or the step asks for one.
bool dry_run_requested(const engine::StepContext& context);

// An HttpClient whose waits end on cancel and are reported as heartbeats.
HttpClient make_client(engine::StepContext& context);

// Success outputs of a dry run: `extra` plus "dry_run": true.
Value dry_run_outputs(Value extra = Value::object());

}  // namespace automata::tools::http
