#pragma once
// Shared by run, resume and cancel: find a workflow, drive a run with the
// renderers attached, and turn how it ended into the exit code (cli.md).
#include <memory>
#include <string>

#include "commands/invocation.hpp"
#include "engine/driver.hpp"
#include "engine/loader.hpp"

namespace automata::commands {

// The workflow a command-line argument names. A bare name (no '/', no
// .yaml/.yml) of a built-in is that built-in, whatever files the current
// directory holds (`./agent` is the file); any other argument is a file.
Result<engine::WorkflowSource> find_workflow(const std::string& argument);
// A built-in by name, or a usage error naming the built-ins.
Result<engine::WorkflowSource> find_builtin_workflow(const std::string& name);
// A workflow file's bytes, or a usage error saying why not.
Result<engine::WorkflowSource> read_workflow_file(const std::string& path);

// Loads a workflow, printing every diagnostic to stderr; Errc::usage when invalid.
Result<std::shared_ptr<const engine::Workflow>> load_or_report(const Invocation& inv, engine::WorkflowSource workflow);
Result<std::shared_ptr<const engine::Workflow>> load_source_or_report(const Invocation& inv, const std::string& name,
                                                                      std::string source);

// --run-id: nullopt when not given (a new id is made), else the id, checked.
Result<std::optional<std::string>> chosen_run_id(const std::string& flag);

engine::EngineServices make_services(const Invocation& inv);
engine::DriveOptions make_drive_options(const Invocation& inv);

// "run R is waiting for signal 'approve': send it with: automata signal R
// approve, then: automata resume R" (or, waiting for none, paused for `reason`).
// `still`: a resume found it so ("is still waiting").
std::string paused_note(const std::string& id, const std::vector<std::string>& waiting_for, const std::string& reason,
                        bool still = false);

// Opens and drives a run with a renderer; prints the resume hint on Ctrl-C.
int open_and_drive(Invocation& inv, const std::filesystem::path& run_dir,
                   std::shared_ptr<const engine::Workflow> workflow, engine::OpenMode mode,
                   const std::vector<std::pair<std::string, Value>>& signals_first = {},
                   std::unique_ptr<engine::EventSink> renderer = nullptr);  // null: the output mode's

}  // namespace automata::commands
