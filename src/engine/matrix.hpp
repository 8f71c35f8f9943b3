#pragma once
// Matrix expansion (dsl.md): the cartesian product of the axes in file order,
// minus `exclude` entries, plus `include` entries (merged into the
// combinations they match, else added); or the list an expression gave.
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"
#include "engine/workflow.hpp"

namespace automata::engine {

struct MatrixInstance {
  std::string id;  // "lint[tool=cppcheck]"
  Value values;    // the matrix context of the instance
};

std::vector<Value> expand_static_matrix(const MatrixDef& matrix);
// A list from an expression: an object element is the instance's matrix, any
// other element v becomes { "value": v }.
Result<std::vector<Value>> expand_matrix_list(const Value& list);
std::vector<MatrixInstance> name_instances(const std::string& step_id, const std::vector<Value>& combinations);

}  // namespace automata::engine
