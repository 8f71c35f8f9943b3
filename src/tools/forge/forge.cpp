#include "tools/forge/forge.hpp"

namespace automata::tools::forge {

std::unique_ptr<Forge> make_forge(ForgeApi& api) {
  switch (api.target().type) {
    case ForgeType::github:
      return make_github(api);
    case ForgeType::gitlab:
      return make_gitlab(api);
    case ForgeType::gitea:
      return make_gitea(api);
  }
  return make_github(api);
}

}  // namespace automata::tools::forge
