// RFC 8288 Link headers as forges write them, and URLs read by libcurl's parser.
#include "tools/http/link_header.hpp"

#include <doctest/doctest.h>

#include "tools/http/url.hpp"

using namespace automata::tools::http;

TEST_SUITE("http link header") {

TEST_CASE("GitHub's and Gitea's links: several, with or without a space after the comma") {
  const std::string github = R"(<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", )"
                             R"(<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", )"
                             R"(<https://api.github.com/repositories/1300192/issues?page=515>; rel="last")";
  CHECK(link_target(github, "next") == "https://api.github.com/repositories/1300192/issues?page=4");
  CHECK(link_target(github, "last") == "https://api.github.com/repositories/1300192/issues?page=515");
  CHECK(link_target(github, "first") == std::nullopt);
  const std::string gitea = R"(<https://git.example.com/api/v1/repos/a/b/pulls?limit=50&page=2&state=open>; rel="next",)"
                            R"(<https://git.example.com/api/v1/repos/a/b/pulls?limit=50&page=17&state=open>; rel="last")";
  CHECK(link_target(gitea, "next") == "https://git.example.com/api/v1/repos/a/b/pulls?limit=50&page=2&state=open");
  CHECK(parse_link_header(gitea).size() == 2);
}

TEST_CASE("unquoted and spaced parameters, relation lists, case, and quoted commas and semicolons") {
  CHECK(link_target("</x?page=2>;rel=next", "next") == "/x?page=2");
  CHECK(link_target("<  /x?page=2  >  ;  rel = \"next\"  ", "next") == "/x?page=2");
  CHECK(link_target(R"(</a>; rel="prev next")", "next") == "/a");
  CHECK(link_target(R"(</a>; REL="Next")", "next") == "/a");
  CHECK(link_target(R"(</a>; title="x, y; rel=next"; rel="prev", </b>; rel="next")", "next") == "/b");
  CHECK(link_target(R"(</a>; title="say \"next\""; rel="prev")", "next") == std::nullopt);
  // A second rel parameter is ignored (RFC 8288 3.3).
  CHECK(link_target(R"(</a>; rel="prev"; rel="next")", "next") == std::nullopt);
  // Commas inside the URL do not split links.
  CHECK(link_target(R"(</a?ids=1,2,3&page=2>; rel="next")", "next") == "/a?ids=1,2,3&page=2");
  const auto links = parse_link_header(R"(</a>; rel="prev first",, </b>; anchor="#x"; rel=next)");
  REQUIRE(links.size() == 2);
  CHECK(links[0].rels == std::vector<std::string>{"prev", "first"});
  CHECK(links[1].target == "/b");
}

TEST_CASE("what cannot be read ends the list; the links before it stay") {
  CHECK(parse_link_header("").empty());
  CHECK(parse_link_header("garbage").empty());
  CHECK(parse_link_header("<https://h/x").empty());
  const auto links = parse_link_header(R"(</a>; rel="next", nonsense, </b>; rel="last")");
  REQUIRE(links.size() == 1);
  CHECK(links[0].target == "/a");
  CHECK(link_target(R"(</a>; rel="next", </b>; title="unterminated)", "next") == "/a");
}

}  // TEST_SUITE

TEST_SUITE("http url") {

TEST_CASE("relative references are resolved against the base; absolute ones replace it") {
  const std::string base = "http://127.0.0.1:8080/api/v1/repos/a/b/pulls?state=open&limit=50&page=1";
  CHECK(resolve_url(base, "/api/v1/repos/a/b/pulls?page=2").value() == "http://127.0.0.1:8080/api/v1/repos/a/b/pulls?page=2");
  CHECK(resolve_url(base, "?page=3").value() == "http://127.0.0.1:8080/api/v1/repos/a/b/pulls?page=3");
  CHECK(resolve_url(base, "comments?page=2").value() == "http://127.0.0.1:8080/api/v1/repos/a/b/comments?page=2");
  CHECK(resolve_url(base, "//elsewhere.example/x").value() == "http://elsewhere.example/x");
  CHECK(resolve_url(base, "https://git.example.com/api/v1/x?page=2").value() == "https://git.example.com/api/v1/x?page=2");
  CHECK_FALSE(resolve_url("not a url", "/x").ok());
}

TEST_CASE("same origin: scheme, host and port, default ports and case taken into account") {
  CHECK(same_origin("https://api.github.com/repos/a/b", "https://API.GitHub.com:443/x?page=2"));
  CHECK(same_origin("http://127.0.0.1:8080/api", "HTTP://127.0.0.1:8080/other"));
  CHECK_FALSE(same_origin("https://api.github.com/repos", "http://api.github.com/repos"));
  CHECK_FALSE(same_origin("https://api.github.com/repos", "https://api.github.com.evil.example/repos"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8080/api", "http://127.0.0.1:8081/api"));
  CHECK_FALSE(same_origin("https://user@api.github.com@evil.example/", "https://api.github.com/"));
  CHECK_FALSE(same_origin("not a url", "not a url"));
  CHECK(url_origin("https://Git.Example.com/api/v1") == "https://git.example.com:443");
}

}  // TEST_SUITE
