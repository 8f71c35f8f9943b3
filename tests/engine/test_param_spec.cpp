#include <doctest/doctest.h>

#include "engine/step_kind.hpp"

using namespace automata;
using namespace automata::engine;

TEST_SUITE("param spec") {
  TEST_CASE("param_problem checks the type and the choices, with a did-you-mean") {
    const ParamSpec method{"method", ParamType::string, false, "how to merge", "merge", {"merge", "squash", "rebase"}};
    CHECK_FALSE(param_problem(method, "squash").has_value());
    CHECK(param_problem(method, "sqash") == "must be one of merge, squash, rebase, got 'sqash' (did you mean 'squash'?)");
    CHECK(param_problem(method, "octopus") == "must be one of merge, squash, rebase, got 'octopus'");
    const ParamSpec labels{"labels", ParamType::list, false, "labels", nullptr, {}};
    CHECK(param_problem(labels, "bug") == "must be a list, got 'bug'");
    CHECK_FALSE(param_problem(labels, Value::array({"bug"})).has_value());
    const ParamSpec depth{"depth", ParamType::integer, false, "history depth", nullptr, {}};
    CHECK(param_problem(depth, 1.5) == "must be a whole number, got 1.5");
    const ParamSpec wait{"timeout", ParamType::duration, false, "how long", nullptr, {}};
    CHECK(param_problem(wait, 5) == "must be a duration such as 90s, 10m or 1h30m, got 5");
    CHECK_FALSE(param_problem(wait, "1m30s").has_value());
  }
}
