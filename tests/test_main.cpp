// The test main: random order with the seed printed so a failure can be
// reproduced with --rand-seed=N.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  doctest::Context context;
  bool seed_given = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rand-seed", 11) == 0 || std::strncmp(argv[i], "-rs", 3) == 0) {
      seed_given = true;
    }
  }
  if (!seed_given) {
    const auto seed = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    context.setOption("rand-seed", static_cast<int>(seed));
    std::printf("[test] random seed: %u (rerun with --rand-seed=%u)\n", seed, seed);
  }
  context.applyCommandLine(argc, argv);
  return context.run();
}
