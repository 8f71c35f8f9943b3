#include "commands/run_existing.hpp"

#include <set>

#include <fmt/format.h>

namespace automata::commands {
namespace {

// A path as a person typed it: relative to the current directory when it is below it.
std::string shown_path(const std::string& file) {
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  const std::filesystem::path path(file);
  if (!ec && path.is_absolute()) {
    const auto relative = path.lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") {
      return relative.string();
    }
  }
  return file;
}

std::string short_hash(const std::string& hash) { return hash.substr(0, 12); }

std::string describe(const std::string& name, const std::string& file, const std::string& hash) {
  return fmt::format("'{}' (file {}, source {})", name, shown_path(file), short_hash(hash));
}

// "n=1 (now 2), mode not set (now \"fast\")": each input whose value differs.
std::string input_differences(const Value& before, const Value& now) {
  std::set<std::string> names;
  for (const auto* side : {&before, &now}) {
    if (side->is_object()) {
      for (const auto& [key, value] : side->items()) {
        names.insert(key);
      }
    }
  }
  std::vector<std::string> parts;
  for (const auto& name : names) {
    const bool had = before.is_object() && before.contains(name);
    const bool has = now.is_object() && now.contains(name);
    if (had && has && before[name] == now[name]) {
      continue;
    }
    const std::string was = had ? fmt::format("{}={}", name, before[name].dump()) : name + " not set";
    const std::string is = has ? now[name].dump() : std::string("not set");
    parts.push_back(fmt::format("{} (now {})", was, is));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

Result<void> check_same_run(const std::string& run_id, const engine::RunState& existing, const RunRequest& request) {
  const std::string what_to_do = "choose another --run-id for this run";
  if (existing.dry_run != request.dry_run) {
    if (existing.dry_run) {
      return Error::usage(
          fmt::format("run {} was a dry run (run --dry-run): it changed nothing, so it does not stand for this run; "
                      "--if-exists {} needs a real run",
                      run_id, request.if_exists),
          "choose another --run-id for the real run, or delete the dry run's directory first");
    }
    return Error::usage(fmt::format("run {} is a real run: a dry run (--dry-run) does not {} it", run_id,
                                    request.if_exists == "skip" ? "stand for" : "resume"),
                        "choose another --run-id for the dry run");
  }
  const engine::Workflow& workflow = *request.workflow;
  if (existing.workflow != workflow.name || existing.source_hash != workflow.source_hash) {
    return Error::usage(fmt::format("run {} is of workflow {}, not {}", run_id,
                                    describe(existing.workflow, existing.file, existing.source_hash),
                                    describe(workflow.name, request.file, workflow.source_hash)),
                        existing.workflow == workflow.name
                            ? fmt::format("the file has changed since that run started: {}, or continue it with "
                                          "`automata resume {} --use-current`",
                                          what_to_do, run_id)
                            : what_to_do);
  }
  if (existing.inputs != request.inputs) {
    return Error::usage(fmt::format("run {} was started with other inputs: {}", run_id,
                                    input_differences(existing.inputs, request.inputs)),
                        fmt::format("{}, or pass the inputs it was started with", what_to_do));
  }
  return {};
}

}  // namespace automata::commands
