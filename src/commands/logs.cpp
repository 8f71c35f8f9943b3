// automata logs RUN [STEP] [--follow]: a step's output, or the run's events.
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/run_lookup.hpp"
#include "engine/step_file_name.hpp"

namespace automata::commands {
namespace {

struct LogsOptions {
  std::string run;
  std::string step;
  bool follow = false;
};

bool is_finished(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

// Prints what was appended to `file` since `offset`; returns the new offset.
std::size_t print_new(Invocation& inv, const std::filesystem::path& file, std::size_t offset) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return offset;
  }
  in.seekg(static_cast<std::streamoff>(offset));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Only whole lines, so a line being written is not cut.
  const std::size_t end = chunk.rfind('\n');
  if (end == std::string::npos) {
    return offset;
  }
  inv.io->out(std::string_view(chunk).substr(0, end + 1));
  return offset + end + 1;
}

int step_logs(Invocation& inv, const RunRef& run, const LogsOptions& options) {
  std::vector<std::filesystem::path> files;
  const auto direct = run.dir / "logs" / (engine::safe_file_name(options.step) + ".log");
  std::error_code ec;
  if (std::filesystem::exists(direct, ec)) {
    files.push_back(direct);
  } else {
    // A matrix step: every instance's log.
    const std::string prefix = engine::safe_file_name(options.step) + "[";
    for (const auto& entry : std::filesystem::directory_iterator(run.dir / "logs", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.compare(0, prefix.size(), prefix) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".log") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
  }
  if (files.empty() && !options.follow) {
    auto status = run_status(run);
    if (status.ok() && !status->value("steps", Value::object()).contains(options.step)) {
      return inv.fail(Error::usage(fmt::format("run {} has no step '{}'", run.id, options.step),
                                   fmt::format("`automata status {}` lists its steps", run.id)));
    }
    inv.note(fmt::format("step '{}' of run {} has no output yet", options.step, run.id));
    return 0;
  }
  std::vector<std::size_t> offsets(files.size(), 0);
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files.size() > 1) {
      inv.io->out(fmt::format("── {} ──\n", files[i].stem().string()));
    }
    offsets[i] = print_new(inv, files[i], 0);
  }
  while (options.follow) {
    auto status = run_status(run);
    const bool done = !status.ok() || is_finished(status->value("status", std::string())) || !run_is_live(run.dir);
    if (files.empty() && std::filesystem::exists(direct, ec)) {
      files.push_back(direct);
      offsets.push_back(0);
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
      offsets[i] = print_new(inv, files[i], offsets[i]);
    }
    if (done) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}

int run_logs(Invocation& inv, const RunRef& run, bool follow) {
  const auto journal = run.dir / "journal.jsonl";
  auto renderer = inv.io->mode() == Mode::json ? nullptr : inv.io->make_renderer(true);
  std::size_t seen = 0;
  while (true) {
    auto records = read_records(run.dir);
    if (!records.ok()) {
      return inv.fail(records.error());
    }
    for (std::size_t i = seen; i < records->size(); ++i) {
      if (renderer) {
        renderer->on_record((*records)[i]);
      } else {
        inv.io->out((*records)[i].dump() + "\n");
      }
    }
    seen = records->size();
    if (!follow) {
      break;
    }
    const engine::RunState state = engine::fold_records(records.value());
    if (is_finished(state.status) || !run_is_live(run.dir)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (void)journal;
  return 0;
}

int logs_command(Invocation& inv, const LogsOptions& options) {
  auto run = find_run(inv, options.run);
  if (!run.ok()) {
    return inv.fail(run.error());
  }
  return options.step.empty() ? run_logs(inv, run.value(), options.follow) : step_logs(inv, run.value(), options);
}

}  // namespace

void add_logs(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<LogsOptions>();
  CLI::App* sub = app.add_subcommand("logs", "Show a step's output, or the run's event history");
  sub->add_option("run", options->run, "Run id, unique prefix, or 'last'")->required();
  sub->add_option("step", options->step, "Step id (a matrix step shows every instance)");
  sub->add_flag("-f,--follow", options->follow, "Keep printing until the run finishes");
  sub->callback([&inv, options] { inv.action = [&inv, options] { return logs_command(inv, *options); }; });
}

}  // namespace automata::commands
