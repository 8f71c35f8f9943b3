#include "cli/app.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command_help.hpp"
#include "cli/console.hpp"
#include "cli/docgen.hpp"
#include "cli/junit.hpp"
#include "cli/renderer.hpp"
#include "cli/terminal.hpp"
#include "commands/commands.hpp"
#include "commands/completions.hpp"
#include "commands/config.hpp"
#include "commands/value_checks.hpp"
#include "engine/build_info.hpp"
#include "engine/visible_text.hpp"
#include "tools/kind_docs.hpp"
#include "tools/registry.hpp"

namespace automata::cli {
namespace {

class ConsoleIO final : public commands::CommandIO {
 public:
  ConsoleIO(const commands::GlobalOptions& options, OutputMode mode)
      : m_options(options),
        m_mode(mode),
        m_out_info(detect_terminal(1, options.no_color)),
        m_err_info(detect_terminal(2, options.no_color)),
        m_console(std::make_unique<Console>(1, 2, m_out_info, m_err_info)) {}

  commands::Mode mode() const override {
    return m_mode == OutputMode::json ? commands::Mode::json
           : m_mode == OutputMode::tty ? commands::Mode::tty
                                       : commands::Mode::plain;
  }
  bool color() const override { return m_out_info.color; }
  void out(std::string_view text) override { m_console->out(text); }
  void err(std::string_view text) override { m_console->err(text); }
  std::unique_ptr<engine::EventSink> make_renderer(bool force_plain) override {
    RenderOptions options;
    options.mode = force_plain && m_mode == OutputMode::tty ? OutputMode::plain : m_mode;
    options.color = m_out_info.color;
    options.width = m_out_info.width;
    options.quiet = m_options.quiet;
    options.verbose = m_options.verbose;
    const char* gha = std::getenv("GITHUB_ACTIONS");
    options.github_actions = gha != nullptr && std::string_view(gha) == "true";
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary != nullptr && options.github_actions) {
      options.github_step_summary = summary;
    }
    return cli::make_renderer(*m_console, options);
  }
  std::string junit_xml(const std::vector<Value>& records) override { return cli::junit_xml(records); }
  void redirect(int fd) override {
    m_out_info = TerminalInfo{false, false, 80};
    m_err_info = m_out_info;
    m_mode = OutputMode::plain;
    m_console = std::make_unique<Console>(fd, fd, m_out_info, m_err_info);
  }
  bool stdout_closed() const { return m_console->stdout_closed(); }

 private:
  const commands::GlobalOptions& m_options;
  OutputMode m_mode;
  TerminalInfo m_out_info;
  TerminalInfo m_err_info;
  std::unique_ptr<Console> m_console;
};

// Ctrl-C and SIGTERM are taken by one thread (sigwait), so no handler runs in
// async-signal context: the first stops the run, the second kills it. A
// detached driver has no terminal, so it ignores SIGHUP.
void start_signal_thread(bool detached) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (detached) {
    std::signal(SIGHUP, SIG_IGN);
  } else {
    sigaddset(&set, SIGHUP);
  }
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int count = 0;
    while (true) {
      int signal_number = 0;
      if (sigwait(&set, &signal_number) != 0) {
        continue;
      }
      ++count;
      if (!commands::deliver_interrupt(count)) {
        // Nothing to stop gracefully (e.g. `logs --follow`): end as the signal would.
        std::_Exit(128 + signal_number);
      }
    }
  }).detach();
}

// A child must never inherit a closed 0/1/2 that a pipe would then take.
void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) {
      const int null_fd = ::open("/dev/null", O_RDWR);
      if (null_fd >= 0 && null_fd != fd) {
        ::dup2(null_fd, fd);
        ::close(null_fd);
      }
    }
  }
}

// Whether `message` is about one of the global options ("--jobs must be
// ..."): their help is `automata help`, not the command's.
bool names_global_option(const CLI::App& app, std::string_view message) {
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_lnames()) {
      const std::string flag = "--" + name;
      if (message.rfind(flag, 0) == 0 && message.size() > flag.size() && message[flag.size()] == ' ') {
        return true;
      }
    }
  }
  return false;
}

// CLI11's own codes (105-114) mean a usage error: 2 (cli.md). A word
// where the command goes that names none is said so, whatever CLI11 made
// of it ("A subcommand is required", or an unexpected argument).
int report_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc, const char* const* argv) {
  if (auto unknown = unknown_command_error(app, argc, argv)) {
    std::fputs(unknown->c_str(), stderr);
    return 2;
  }
  const auto parsed = app.get_subcommands();
  std::string text;
  if (parsed.empty() && error.get_name() == "RequiredError") {
    text = "automata: error: no command given\nautomata: hint: run `automata help` for the list of commands\n";
  } else {
    const bool global = names_global_option(app, error.what());
    const std::string help = parsed.empty() || global ? "automata help" : "automata help " + parsed.front()->get_name();
    text = fmt::format("automata: error: {}\nautomata: hint: run `{}` for usage\n", engine::visible_text(error.what()),
                       help);
  }
  std::fputs(text.c_str(), stderr);
  return 2;
}

}  // namespace

int run_cli(int argc, char** argv) {
  ensure_standard_fds();
  std::signal(SIGPIPE, SIG_IGN);
  commands::Invocation inv;
  inv.program_path = argc > 0 ? argv[0] : "automata";
  CLI::App app{"automata: durable coding-automation workflows from YAML", "automata"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", build_info::k_version);
  auto& g = inv.global;
  auto* output_opt = app.add_option("--output", g.output, "Output: auto, tty, plain or json")
                         ->check(commands::one_of("--output", commands::k_output_modes));
  auto* jobs_opt = app.add_option("-j,--jobs", g.jobs, "Steps run at once (default: the number of cores)")
                       ->check(commands::whole_number("--jobs", 1, commands::k_max_jobs));
  auto* home_opt = app.add_option("--home", g.home, "Run store directory (default: .automata/ of the repository)");
  app.add_option("--junit", g.junit, "Write a JUnit XML report of the run's steps to FILE");
  app.add_option("--config", g.config, "Read settings from this config file");
  auto* durability_opt = app.add_option("--durability", g.durability, "Journal durability: grouped or strict")
                             ->check(commands::one_of("--durability", commands::k_durabilities));
  app.add_flag("-q,--quiet", g.quiet, "Only failures and the final line");
  app.add_flag("-v,--verbose", g.verbose, "More detail: scheduling and heartbeat lines (plain), step output above the progress (tty)");
  app.add_flag("--no-color", g.no_color, "No colors");
  for (const auto& command : commands::k_commands) {
    command.add(app, inv);
  }
  add_help_command(app, inv);
  // Completions and the man page walk this app, so they never drift from it.
  commands::set_completion_generator(completion_script);
  // Hidden (no group): scripts/gen-docs.sh writes man/automata.1 with it.
  app.add_subcommand("__man", "Print the man page (roff)")->group("")->callback([&inv, &app] {
    inv.action = [&inv, &app] {
      inv.io->out(man_page(app));
      return 0;
    };
  });
  // Hidden too: scripts/gen-docs.sh writes docs/step-kinds.md with it.
  app.add_subcommand("__step-kinds", "Print the step kinds reference (markdown)")->group("")->callback([&inv] {
    inv.action = [&inv] {
      inv.io->out(tools::step_kinds_markdown(tools::builtin_step_kinds()));
      return 0;
    };
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    std::printf("automata %s\n", build_info::k_version);
    return 0;
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, argc, argv);
  }
  commands::ExplicitFlags given{output_opt->count() > 0, jobs_opt->count() > 0, durability_opt->count() > 0,
                                home_opt->count() > 0};
  if (auto configured = commands::apply_configuration(g, given); !configured.ok()) {
    std::fprintf(stderr, "automata: error: %s\n", configured.error().message.c_str());
    if (!configured.error().hint.empty()) {
      std::fprintf(stderr, "automata: hint: %s\n", configured.error().hint.c_str());
    }
    return 2;
  }
  const TerminalInfo out_info = detect_terminal(1, g.no_color);
  const auto mode = resolve_output_mode(g.output, out_info);
  ConsoleIO io(g, mode.value_or(OutputMode::plain));
  inv.io = &io;
  start_signal_thread(false);
  inv.restart_signal_handling = [] { start_signal_thread(true); };
  if (!inv.action) {
    return 2;
  }
  try {
    return inv.action();
  } catch (const std::exception& e) {
    io.err(fmt::format("automata: internal error: {}\nautomata: this is a bug; please report it with the command "
                       "you ran and `automata version`\n",
                       e.what()));
    return 5;
  }
}

}  // namespace automata::cli
