#include "tools/forge/forge_step.hpp"

#include <fmt/format.h>

#include "tools/forge/forge_target.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools::forge {
namespace {

std::string token_variables_text(ForgeType type) {
  switch (type) {
    case ForgeType::github:
      return "GITHUB_TOKEN or GH_TOKEN";
    case ForgeType::gitlab:
      return "GITLAB_TOKEN";
    case ForgeType::gitea:
      return "GITEA_TOKEN";
  }
  return "a token variable";
}

engine::StepResult failure_from(const Error& error, const std::function<std::string(std::string_view)>& mask) {
  std::string text = error.message;
  if (!error.hint.empty()) {
    text += ": " + error.hint;
  }
  engine::StepResult result = engine::StepResult::failure(mask(text), is_retryable(error));
  result.cancelled = error.code == Errc::cancelled;
  return result;
}

// Every string in the outputs, keys included, masked.
Value masked(const Value& value, const ForgeApi& api) {
  if (value.is_string()) {
    return api.mask(value.get<std::string>());
  }
  if (value.is_array()) {
    Value out = Value::array();
    for (const auto& item : value) {
      out.push_back(masked(item, api));
    }
    return out;
  }
  if (value.is_object()) {
    Value out = Value::object();
    for (const auto& [key, item] : value.items()) {
      out[api.mask(key)] = masked(item, api);
    }
    return out;
  }
  return value;
}

}  // namespace

std::vector<std::string> string_list(const Value& params, const char* name) {
  std::vector<std::string> items;
  const auto it = params.find(name);
  if (it == params.end() || !it->is_array()) {
    return items;
  }
  for (const auto& item : *it) {
    items.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  }
  return items;
}

engine::StepResult run_forge_step(engine::StepContext& context, const std::string& kind, const ForgeWork& work) {
  auto context_mask = [&context](std::string_view text) { return context.mask(text); };
  auto target = resolve_forge_target(context);
  if (!target.ok()) {
    Error error = target.error();
    error.message = kind + ": " + error.message;
    return failure_from(error, context_mask);
  }
  const bool dry_run = http::dry_run_requested(context);
  if (target->token.empty() && !dry_run) {
    return engine::StepResult::failure(
        fmt::format("{}: no {} token: set the token parameter, or {} in the step's environment", kind,
                    forge_display_name(target->type), token_variables_text(target->type)),
        false);
  }
  ForgeApi api(std::move(target.value()), context, kind, dry_run);
  auto forge = make_forge(api);
  auto api_mask = [&api](std::string_view text) { return api.mask(text); };
  Result<Value> outcome = work(*forge, api);
  if (!outcome.ok()) {
    Error error = outcome.error();
    if (error.message.rfind(kind + ":", 0) != 0) {
      error.message = kind + ": " + error.message;
    }
    return failure_from(error, api_mask);
  }
  Value outputs = std::move(outcome.value());
  if (dry_run) {
    outputs["dry_run"] = true;
  }
  // Outputs built from the forge's answers could echo a token.
  return engine::StepResult::success(masked(outputs, api));
}

}  // namespace automata::tools::forge
