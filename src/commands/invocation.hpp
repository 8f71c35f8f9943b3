#pragma once
// What every subcommand gets: the global options (cli.md "Global options")
// and an IO interface that cli/ implements, so commands never include cli/
// (architecture.md: cli -> commands -> tools -> engine).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/events.hpp"
#include "engine/journal.hpp"
#include "engine/result.hpp"
#include "engine/run_store.hpp"
#include "engine/step_kind.hpp"

namespace automata::commands {

// What a model costs, in US dollars per million tokens (config `prices`).
struct ModelPrice {
  double prompt = 0;
  double completion = 0;
};

struct GlobalOptions {
  std::string output = "auto";  // auto|tty|plain|json
  int jobs = 0;
  std::string home;
  std::string junit;
  std::string config;
  std::string durability = "grouped";
  bool quiet = false;
  bool verbose = false;
  bool no_color = false;
  std::map<std::string, ModelPrice> prices;  // model -> price; later files add to and replace earlier ones
};

enum class Mode { tty, plain, json };

class CommandIO {
 public:
  virtual ~CommandIO() = default;
  virtual Mode mode() const = 0;
  virtual bool color() const = 0;
  // stdout and stderr, whole messages, thread-safe.
  virtual void out(std::string_view text) = 0;
  virtual void err(std::string_view text) = 0;
  // A renderer for the run's events in the current mode (or plain when forced).
  virtual std::unique_ptr<engine::EventSink> make_renderer(bool force_plain = false) = 0;
  virtual std::string junit_xml(const std::vector<Value>& records) = 0;
  // Switch the output to a file (a detached run's driver.log).
  virtual void redirect(int fd) = 0;
};

// The Ctrl-C target while a run is driven (cli/ owns the signal thread).
void set_interrupt_target(std::function<void(int count)> target);
void clear_interrupt_target();
// Called by the signal thread; false when no target is set.
bool deliver_interrupt(int count);

struct Invocation {
  GlobalOptions global;
  CommandIO* io = nullptr;
  std::function<int()> action;  // set by the chosen subcommand's callback
  std::string program_path;     // argv[0], to find built-in workflows
  // Set by cli/: starts signal handling again in a forked, detached driver
  // (which has no terminal: SIGHUP is ignored there).
  std::function<void()> restart_signal_handling;
  // This process is a detached run's driver: a paused run waits for signals
  // in it rather than ending the process (DriveOptions::hold_when_paused).
  bool detached = false;

  engine::RunStore store() const;
  const engine::StepKindRegistry& kinds() const;
  // Prints "automata: error: ..." and the hint; returns the exit code for it.
  int fail(const Error& error) const;
  void note(std::string_view text) const;  // "automata: ..." on stderr
};

int exit_code_for(Errc code);

}  // namespace automata::commands
