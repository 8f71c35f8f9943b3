// Remote URL forms to forge projects, and hosts to forges and API bases.
#include "tools/forge/remote_url.hpp"

#include <doctest/doctest.h>

#include "tools/forge/forge_target.hpp"

using namespace automata;
using namespace automata::tools::forge;

TEST_SUITE("forge remote url") {

TEST_CASE("https, ssh and scp-like URLs, GitLab subgroups, credentials dropped") {
  struct Row {
    const char* url;
    const char* host;
    const char* origin;
    const char* project;
    const char* owner;
    const char* name;
  };
  const Row rows[] = {
      {"https://github.com/acme/app.git", "github.com", "https://github.com", "acme/app", "acme", "app"},
      {"https://github.com/acme/app", "github.com", "https://github.com", "acme/app", "acme", "app"},
      {"https://github.com/acme/app/", "github.com", "https://github.com", "acme/app", "acme", "app"},
      {"https://x-access-token:ghp_abc@github.com/acme/app.git", "github.com", "https://github.com", "acme/app", "acme",
       "app"},
      {"git@github.com:acme/app.git", "github.com", "https://github.com", "acme/app", "acme", "app"},
      {"ssh://git@github.com/acme/app", "github.com", "https://github.com", "acme/app", "acme", "app"},
      {"ssh://git@git.example.com:2222/team/tool.git", "git.example.com", "https://git.example.com", "team/tool", "team",
       "tool"},
      {"https://gitlab.com/group/sub/deep/repo.git", "gitlab.com", "https://gitlab.com", "group/sub/deep/repo",
       "group/sub/deep", "repo"},
      {"git@gitlab.com:group/sub/repo.git", "gitlab.com", "https://gitlab.com", "group/sub/repo", "group/sub", "repo"},
      {"http://localhost:3000/org/repo.git", "localhost", "http://localhost:3000", "org/repo", "org", "repo"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.url);
    auto parsed = parse_remote_url(row.url);
    REQUIRE(parsed.ok());
    CHECK(parsed->host == row.host);
    CHECK(parsed->web_origin == row.origin);
    CHECK(parsed->project == row.project);
    CHECK(parsed->owner == row.owner);
    CHECK(parsed->name == row.name);
  }
}

TEST_CASE("URLs without owner/repo are refused; a token in them is not repeated") {
  for (const char* url : {"", "/srv/git/app.git", "https://github.com/app.git", "git@github.com:app.git",
                          "https://github.com/"}) {
    CAPTURE(url);
    auto parsed = parse_remote_url(url);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().hint == "expected https://host/owner/repo.git or git@host:owner/repo.git; pass remote_url");
  }
  auto with_token = parse_remote_url("https://user:ghp_secret@github.com/app.git");
  REQUIRE_FALSE(with_token.ok());
  CHECK(with_token.error().message == "cannot tell the forge project from remote URL 'https://github.com/app.git'");
}

TEST_CASE("hosts to forges and API bases; forge and api_url override") {
  struct Row {
    const char* url;
    const char* forge;
    const char* api_url;
    ForgeType type;
    const char* api_base;
  };
  const Row rows[] = {
      {"git@github.com:acme/app.git", "", "", ForgeType::github, "https://api.github.com"},
      {"https://gitlab.com/g/s/r.git", "", "", ForgeType::gitlab, "https://gitlab.com/api/v4"},
      {"https://codeberg.org/o/r.git", "", "", ForgeType::gitea, "https://codeberg.org/api/v1"},
      {"git@ghe.corp:acme/app.git", "github", "", ForgeType::github, "https://ghe.corp/api/v3"},
      {"https://git.corp/g/r.git", "gitlab", "", ForgeType::gitlab, "https://git.corp/api/v4"},
      {"http://localhost:3000/o/r.git", "gitea", "", ForgeType::gitea, "http://localhost:3000/api/v1"},
      {"https://github.com/acme/app.git", "", "http://127.0.0.1:9/", ForgeType::github, "http://127.0.0.1:9"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.url);
    auto target = forge_target_for(row.url, row.forge, row.api_url);
    REQUIRE(target.ok());
    CHECK(target->type == row.type);
    CHECK(target->api_base == row.api_base);
  }
  auto unknown = forge_target_for("https://git.corp/o/r.git", "", "");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == "cannot tell which forge git.corp runs");
  CHECK(unknown.error().hint ==
        "set forge: github, gitlab or gitea (and api_url if the API is not at the usual place)");
}

}  // TEST_SUITE
