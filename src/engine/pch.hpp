#pragma once
// Precompiled header: the heavy third-party headers most files include.
#include <nlohmann/json.hpp>
#include <fmt/format.h>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
