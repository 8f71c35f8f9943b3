// The forge's own words from its error bodies, and path encoding.
#include "tools/forge/forge_api.hpp"

#include <doctest/doctest.h>

using namespace automata::tools::forge;

TEST_SUITE("forge api") {

TEST_CASE("error bodies of GitHub, GitLab and Gitea become one line") {
  CHECK(forge_error_message(R"({"message": "Validation Failed", "errors": [{"resource": "Issue", "field": "title",
    "code": "missing_field"}]})") == "Validation Failed: title missing_field");
  CHECK(forge_error_message(R"({"message": "Validation Failed", "errors": [{"message": "a"}, {"message": "b"}]})") ==
        "Validation Failed: a; b");
  CHECK(forge_error_message(R"({"message": {"title": ["can't be blank"], "target_branch": ["is invalid"]}})") ==
        "title can't be blank; target_branch is invalid");
  CHECK(forge_error_message(R"({"message": ["Another open merge request already exists"]})") ==
        "Another open merge request already exists");
  CHECK(forge_error_message(R"({"error": "insufficient_scope", "error_description": "..."})") == "insufficient_scope");
  CHECK(forge_error_message(R"({"message": "user does not exist [uid: 0, name: ghost]", "url": "https://g/api/swagger"})") ==
        "user does not exist [uid: 0, name: ghost]");
  CHECK(forge_error_message("<html>\n<body>502 Bad Gateway</body>\n</html>") ==
        "<html> <body>502 Bad Gateway</body> </html>");
  CHECK(forge_error_message(std::string(300, 'x')) == std::string(200, 'x') + "...");
}

TEST_CASE("url_encode keeps unreserved characters only") {
  CHECK(url_encode("group/sub/repo") == "group%2Fsub%2Frepo");
  CHECK(url_encode("acme:feat/x-1_2.3~") == "acme%3Afeat%2Fx-1_2.3~");
  CHECK(url_encode("a b&c") == "a%20b%26c");
}

}  // TEST_SUITE
