#include "engine/clock.hpp"

namespace automata::engine {

const Clock& real_clock() {
  static const RealClock clock;
  return clock;
}

}  // namespace automata::engine
