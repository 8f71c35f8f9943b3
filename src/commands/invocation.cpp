#include "commands/invocation.hpp"

#include <mutex>

#include <fmt/format.h>

#include "engine/visible_text.hpp"
#include "tools/registry.hpp"

namespace automata::commands {
namespace {

std::mutex g_interrupt_mutex;
std::function<void(int)> g_interrupt_target;

}  // namespace

void set_interrupt_target(std::function<void(int)> target) {
  std::lock_guard lock(g_interrupt_mutex);
  g_interrupt_target = std::move(target);
}

void clear_interrupt_target() {
  std::lock_guard lock(g_interrupt_mutex);
  g_interrupt_target = nullptr;
}

bool deliver_interrupt(int count) {
  std::lock_guard lock(g_interrupt_mutex);
  if (!g_interrupt_target) {
    return false;
  }
  g_interrupt_target(count);
  return true;
}

int exit_code_for(Errc code) {
  switch (code) {
    case Errc::failed:
      return 1;
    case Errc::usage:
      return 2;
    case Errc::cancelled:
      return 3;
    case Errc::paused:
      return 4;
    case Errc::infra:
      return 5;
    case Errc::interrupted:
      return 130;
  }
  return 1;
}

engine::RunStore Invocation::store() const {
  std::optional<std::filesystem::path> flag;
  if (!global.home.empty()) {
    flag = global.home;
  }
  return engine::RunStore(engine::resolve_home(flag, std::filesystem::current_path()));
}

const engine::StepKindRegistry& Invocation::kinds() const {
  static const engine::StepKindRegistry k_kinds = tools::builtin_step_kinds();
  return k_kinds;
}

int Invocation::fail(const Error& error) const {
  // A message quotes what the user gave (a path, a value): written out, it
  // cannot act on the terminal.
  constexpr auto keep = engine::Keep::tabs_and_line_breaks;  // a message may hold a rendered diagnostic
  std::string text = fmt::format("automata: error: {}\n", engine::visible_text(error.message, keep));
  if (!error.hint.empty()) {
    text += fmt::format("automata: hint: {}\n", engine::visible_text(error.hint, keep));
  }
  io->err(text);
  return exit_code_for(error.code);
}

void Invocation::note(std::string_view text) const { io->err(fmt::format("automata: {}\n", text)); }

}  // namespace automata::commands
