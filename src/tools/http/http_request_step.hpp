#pragma once
#include <memory>

#include "engine/step_kind.hpp"

namespace automata::tools {

// `http.request`: one HTTP request, retried on transient failures.
std::unique_ptr<engine::StepKind> make_http_request_kind();

}  // namespace automata::tools
