// automata graph FILE [--format dot|mermaid|text]
#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/drive.hpp"
#include "commands/value_checks.hpp"
#include "engine/workflow_checks.hpp"

namespace automata::commands {
namespace {

struct GraphOptions {
  std::string file;
  std::string format = "text";
};

std::string label(const engine::StepDef& step) {
  std::string text = step.name.empty() ? step.id : step.name;
  if (step.matrix) {
    text += " (matrix)";
  }
  return text;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

int graph_command(Invocation& inv, const GraphOptions& options) {
  auto source = find_workflow(options.file);
  if (!source.ok()) {
    return inv.fail(source.error());
  }
  auto loaded = load_or_report(inv, std::move(source.value()));
  if (!loaded.ok()) {
    return inv.fail(loaded.error());
  }
  const engine::Workflow& wf = *loaded.value();
  std::string out;
  if (options.format == "dot") {
    out = fmt::format("digraph {} {{\n  rankdir=LR;\n", quoted(wf.name));
    for (const auto& step : wf.steps) {
      out += fmt::format("  {} [label={}{}];\n", quoted(step.id), quoted(label(step)),
                         step.phase == engine::Phase::main ? "" : ", style=dashed");
      for (const auto& need : step.needs) {
        out += fmt::format("  {} -> {};\n", quoted(need), quoted(step.id));
      }
    }
    out += "}\n";
  } else if (options.format == "mermaid") {
    out = "flowchart LR\n";
    for (const auto& step : wf.steps) {
      out += fmt::format("  {}[{}]\n", step.id, quoted(label(step)));
      for (const auto& need : step.needs) {
        out += fmt::format("  {} --> {}\n", need, step.id);
      }
    }
  } else {
    const std::pair<engine::Phase, const char*> sections[] = {
        {engine::Phase::main, "steps"}, {engine::Phase::on_failure, "on_failure"}, {engine::Phase::finally, "finally"}};
    for (const auto& [phase, title] : sections) {
      const auto order = engine::topological_order(wf, phase);
      if (order.empty()) {
        continue;
      }
      out += fmt::format("{}:\n", title);
      for (const auto* step : order) {
        out += fmt::format("  {}", label(*step));
        if (!step->needs.empty()) {
          out += fmt::format("  <- {}", fmt::join(step->needs, ", "));
        }
        out += "\n";
      }
    }
  }
  inv.io->out(out);
  return 0;
}

}  // namespace

void add_graph(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<GraphOptions>();
  CLI::App* sub = app.add_subcommand("graph", "Print a workflow's DAG");
  sub->add_option("file", options->file, "Workflow file or built-in workflow name")->required();
  sub->add_option("--format", options->format, "dot, mermaid or text")
      ->check(one_of("--format", {"dot", "mermaid", "text"}));
  sub->callback([&inv, options] { inv.action = [&inv, options] { return graph_command(inv, *options); }; });
}

}  // namespace automata::commands
