// automata graph FILE [--format dot|mermaid|text]; with --output json, one
// object (docs/schemas/graph.schema.json): the nodes with their id, name,
// needs and phase (the section they are in), and the edges need -> step.
// Every format labels a node by its id, the id `needs` and `steps.ID` use,
// with its name after it when it has one.
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

// "test", "locate (find the repository)", "test (Tests, matrix)".
std::string label(const engine::StepDef& step) {
  std::vector<std::string> notes;
  if (!step.name.empty() && step.name != step.id) {
    notes.push_back(step.name);
  }
  if (step.matrix) {
    notes.emplace_back("matrix");
  }
  return notes.empty() ? step.id : fmt::format("{} ({})", step.id, fmt::join(notes, ", "));
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

const char* phase_name(engine::Phase phase) {
  switch (phase) {
    case engine::Phase::main: return "steps";
    case engine::Phase::on_failure: return "on_failure";
    case engine::Phase::finally: return "finally";
  }
  return "steps";
}

std::string dot(const engine::Workflow& wf) {
  std::string out = fmt::format("digraph {} {{\n  rankdir=LR;\n", quoted(wf.name));
  for (const auto& step : wf.steps) {
    out += fmt::format("  {} [label={}{}];\n", quoted(step.id), quoted(label(step)),
                       step.phase == engine::Phase::main ? "" : ", style=dashed");
    for (const auto& need : step.needs) {
      out += fmt::format("  {} -> {};\n", quoted(need), quoted(step.id));
    }
  }
  return out + "}\n";
}

std::string mermaid(const engine::Workflow& wf) {
  std::string out = "flowchart LR\n";
  for (const auto& step : wf.steps) {
    out += fmt::format("  {}[{}]\n", step.id, quoted(label(step)));
    for (const auto& need : step.needs) {
      out += fmt::format("  {} --> {}\n", need, step.id);
    }
  }
  return out;
}

std::string text(const engine::Workflow& wf) {
  std::string out;
  for (const engine::Phase phase : {engine::Phase::main, engine::Phase::on_failure, engine::Phase::finally}) {
    const auto order = engine::topological_order(wf, phase);
    if (order.empty()) {
      continue;
    }
    out += fmt::format("{}:\n", phase_name(phase));
    for (const auto* step : order) {
      out += fmt::format("  {}", label(*step));
      if (!step->needs.empty()) {
        out += fmt::format("  <- {}", fmt::join(step->needs, ", "));
      }
      out += "\n";
    }
  }
  return out;
}

Value json(const engine::Workflow& wf) {
  Value nodes = Value::array();
  Value edges = Value::array();
  for (const auto& step : wf.steps) {
    nodes.push_back({{"id", step.id},
                     {"name", step.name.empty() ? step.id : step.name},
                     {"needs", step.needs},
                     {"phase", phase_name(step.phase)},
                     {"matrix", step.matrix.has_value()}});
    for (const auto& need : step.needs) {
      edges.push_back({{"from", need}, {"to", step.id}});
    }
  }
  return {{"workflow", wf.name}, {"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
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
  if (inv.io->mode() == Mode::json) {
    inv.io->out(json(wf).dump() + "\n");
  } else if (options.format == "dot") {
    inv.io->out(dot(wf));
  } else if (options.format == "mermaid") {
    inv.io->out(mermaid(wf));
  } else {
    inv.io->out(text(wf));
  }
  return 0;
}

}  // namespace

void add_graph(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<GraphOptions>();
  CLI::App* sub =
      app.add_subcommand("graph", "Print a workflow's DAG (with --output json: one object of nodes and edges)");
  sub->add_option("file", options->file, "Workflow file or built-in workflow name")->required();
  sub->add_option("--format", options->format, "dot, mermaid or text (ignored with --output json)")
      ->check(one_of("--format", {"dot", "mermaid", "text"}));
  sub->callback([&inv, options] { inv.action = [&inv, options] { return graph_command(inv, *options); }; });
}

}  // namespace automata::commands
