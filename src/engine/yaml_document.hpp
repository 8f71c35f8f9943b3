#pragma once
// A workflow file's text -> its one YAML document, with the checks yaml-cpp
// does not make and its errors worded for the author:
//  - control characters (C0 other than tab, line feed and carriage return,
//    and DEL) are refused at their line:column: YAML does not allow them
//    raw, and a message quoting them would act on the terminal;
//  - a file holds one document: a second one (after `---`) is an error at
//    its start, never silently dropped;
//  - a quoted string must be closed. yaml-cpp takes an unclosed one to the
//    end of the file without a word, and takes one that runs on over the
//    following lines as long as it finds a closing quote somewhere. YAML
//    says the lines a quoted string continues on are indented more than
//    the key (or `-`) it belongs to; so a quoted string that runs on into a
//    line indented no more than the line it starts on (`run: "echo hi`
//    followed by `  b:`) is reported at its opening quote, as is one never
//    closed. A string over several lines that is indented as YAML wants
//    stays valid.
#include <optional>

#include <yaml-cpp/yaml.h>

#include "engine/diagnostics.hpp"

namespace automata::engine {

// The root node of diagnostics.source(), or nullopt with every problem
// found reported into `diagnostics`.
std::optional<YAML::Node> parse_workflow_yaml(Diagnostics& diagnostics);

// A yaml-cpp exception as a diagnostic at the position it names.
void report_yaml_exception(Diagnostics& diagnostics, const YAML::Exception& exception);

}  // namespace automata::engine
