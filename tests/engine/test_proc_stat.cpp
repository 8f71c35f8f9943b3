#include "engine/proc_stat.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

namespace automata::engine {

TEST_SUITE("proc_stat") {
  TEST_CASE("parse_proc_stat reads the state, group and start time after the last parenthesis") {
    // A comm may hold spaces and parentheses.
    const std::string line =
        "4242 (my (odd) prog) S 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 100 "
        "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    const auto stat = parse_proc_stat(line);
    REQUIRE(stat.has_value());
    CHECK(stat->state == 'S');
    CHECK(stat->pgrp == 4240);
    CHECK(stat->start_time == 987654);
    CHECK_FALSE(parse_proc_stat("").has_value());
    CHECK_FALSE(parse_proc_stat("12 (short) S 1 2").has_value());
    CHECK_FALSE(parse_proc_stat("12 no parenthesis").has_value());
  }

  TEST_CASE("identify_process: this process's start time, boot and host") {
    const auto id = identify_process(::getpid());
    CHECK(id.pgid == ::getpid());
    CHECK(id.start_time > 0);
    CHECK(id.start_time == read_proc_stat(::getpid())->start_time);
    CHECK(id.boot_id.size() == 36);
    CHECK(!id.host.empty());
    CHECK_FALSE(read_proc_stat(0).has_value());
  }
}

}  // namespace automata::engine
