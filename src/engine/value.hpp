#pragma once
// Values flowing through workflows (inputs, outputs, expression results,
// journal records) are JSON. ordered_json keeps the author's key order, so
// keys(), outputs and records read the way they were written.
#include <nlohmann/json.hpp>

namespace automata {
using Value = nlohmann::ordered_json;
}
