#include "commands/config.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "commands/value_checks.hpp"
#include "engine/run_store.hpp"
#include "engine/suggest.hpp"

namespace automata::commands {
namespace {

const std::vector<std::string> k_keys = {"output", "jobs", "durability", "home", "color", "prices"};

struct Settings {
  std::optional<std::string> output;
  std::optional<int> jobs;
  std::optional<std::string> durability;
  std::optional<std::string> home;
  std::optional<bool> color;
  std::map<std::string, ModelPrice> prices;
};

// prices: { MODEL: { prompt: USD per million tokens, completion: USD per million tokens } }
Result<void> read_prices(const YAML::Node& node, const std::string& where, std::map<std::string, ModelPrice>& prices) {
  if (!node.IsMap()) {
    return Error::usage(fmt::format("{}: prices is a map of model -> {{prompt, completion}} (USD per million tokens)",
                                    where));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string model = it->first.Scalar();
    // Walked, not looked up with operator[]: yaml-cpp's const lookup trips
    // GCC 12's dangling-pointer warning.
    std::optional<double> prompt;
    std::optional<double> completion;
    if (it->second.IsMap()) {
      for (auto field = it->second.begin(); field != it->second.end(); ++field) {
        const std::string name = field->first.Scalar();
        if (name == "prompt") {
          prompt = field->second.as<double>();
        } else if (name == "completion") {
          completion = field->second.as<double>();
        }
      }
    }
    if (!prompt || !completion) {
      return Error::usage(fmt::format("{}: the price of '{}' needs prompt and completion (USD per million tokens)",
                                      where, model));
    }
    ModelPrice parsed{*prompt, *completion};
    if (parsed.prompt < 0 || parsed.completion < 0) {
      return Error::usage(fmt::format("{}: the price of '{}' cannot be negative", where, model));
    }
    prices[model] = parsed;
  }
  return {};
}


Result<void> read_file(const std::filesystem::path& path, Settings& settings, bool must_exist) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (must_exist) {
      return Error::usage(fmt::format("--config {}: no such file", path.string()));
    }
    return {};
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    return Error::usage(fmt::format("{}:{}:{}: YAML syntax error: {}", path.string(), e.mark.line + 1,
                                    e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) {
    return {};
  }
  if (!root.IsMap()) {
    return Error::usage(fmt::format("{}: a config file is a map of settings ({})", path.string(),
                                    fmt::join(k_keys, ", ")));
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    const auto mark = it->first.Mark();
    const std::string where = fmt::format("{}:{}:{}", path.string(), mark.line + 1, mark.column + 1);
    try {
      if (key == "output") {
        settings.output = it->second.as<std::string>();
        TRY(check_choice(*settings.output, where + ": output", k_output_modes));
      } else if (key == "jobs") {
        TRY_ASSIGN(const long jobs, parse_whole_number(it->second.as<std::string>(), where + ": jobs", 1, k_max_jobs));
        settings.jobs = static_cast<int>(jobs);
      } else if (key == "durability") {
        settings.durability = it->second.as<std::string>();
        TRY(check_choice(*settings.durability, where + ": durability", k_durabilities));
      } else if (key == "home") {
        settings.home = it->second.as<std::string>();
      } else if (key == "color") {
        settings.color = it->second.as<bool>();
      } else if (key == "prices") {
        TRY(read_prices(it->second, where, settings.prices));
      } else {
        std::string message = fmt::format("{}: unknown setting '{}'", where, key);
        if (auto suggestion = engine::did_you_mean(key, k_keys)) {
          message += fmt::format(" (did you mean '{}'?)", *suggestion);
        }
        return Error::usage(message, fmt::format("settings are {}", fmt::join(k_keys, ", ")));
      }
    } catch (const YAML::Exception&) {
      return Error::usage(fmt::format("{}: bad value for '{}'", where, key));
    }
  }
  return {};
}

std::optional<std::filesystem::path> repository_config() {
  std::error_code ec;
  const auto repository = engine::enclosing_repository(std::filesystem::current_path(ec));
  return repository ? std::optional(*repository / ".automata" / "config.yaml") : std::nullopt;
}

// The environment, checked as the flags it stands for are: a value the flag
// would refuse is refused, naming the variable.
Result<void> read_environment(Settings& settings) {
  if (const char* env = std::getenv("AUTOMATA_OUTPUT_MODE"); env != nullptr && *env != '\0') {
    TRY(check_choice(env, "AUTOMATA_OUTPUT_MODE", k_output_modes));
    settings.output = env;
  }
  if (const char* env = std::getenv("AUTOMATA_JOBS"); env != nullptr && *env != '\0') {
    TRY_ASSIGN(const long jobs, parse_whole_number(env, "AUTOMATA_JOBS", 1, k_max_jobs));
    settings.jobs = static_cast<int>(jobs);
  }
  if (const char* env = std::getenv("AUTOMATA_DURABILITY"); env != nullptr && *env != '\0') {
    TRY(check_choice(env, "AUTOMATA_DURABILITY", k_durabilities));
    settings.durability = env;
  }
  // Above a config file's `home:` (cli.md: the environment beats the files).
  if (const char* env = std::getenv("AUTOMATA_HOME"); env != nullptr && *env != '\0') {
    settings.home = env;
  }
  return {};
}

}  // namespace

Result<void> apply_configuration(GlobalOptions& options, const ExplicitFlags& given) {
  Settings settings;
  std::filesystem::path xdg;
  if (const char* env = std::getenv("XDG_CONFIG_HOME"); env != nullptr && *env != '\0') {
    xdg = env;
  } else if (const char* home = std::getenv("HOME"); home != nullptr) {
    xdg = std::filesystem::path(home) / ".config";
  }
  if (!xdg.empty()) {
    TRY(read_file(xdg / "automata" / "config.yaml", settings, false));
  }
  if (auto repo = repository_config()) {
    TRY(read_file(*repo, settings, false));
  }
  if (!options.config.empty()) {
    TRY(read_file(options.config, settings, true));
  }
  TRY(read_environment(settings));
  if (!given.output && settings.output) {
    options.output = *settings.output;
  }
  if (!given.jobs && settings.jobs) {
    options.jobs = *settings.jobs;
  }
  if (!given.durability && settings.durability) {
    options.durability = *settings.durability;
  }
  if (!given.home && settings.home) {
    options.home = *settings.home;
  }
  if (settings.color && !*settings.color) {
    options.no_color = true;
  }
  for (const auto& [model, price] : settings.prices) {
    options.prices[model] = price;
  }
  return {};
}

}  // namespace automata::commands
