// known_hosts matching for ssh host-key checks, and the base64 it needs.
#include "tools/git/known_hosts.hpp"

#include <doctest/doctest.h>

using namespace automata::tools::git;

namespace {

std::string blob(const std::string& type, const std::string& body) {
  std::string out;
  out += static_cast<char>(0);
  out += static_cast<char>(0);
  out += static_cast<char>(0);
  out += static_cast<char>(type.size());
  return out + type + body;
}

std::string blob_of_other() { return blob("ssh-ed25519", "another key"); }

}  // namespace

TEST_SUITE("git known_hosts") {

TEST_CASE("base64 round trip, with and without padding") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("fo", false) == "Zm8");
  CHECK(base64_decode("Zm9vYmE=") == std::string("fooba"));
  CHECK(base64_decode("Zm8") == std::string("fo"));
  CHECK(base64_decode("Z!") == std::nullopt);
}

TEST_CASE("a host's key is known, unknown, or a mismatch; ports other than 22 are bracketed") {
  const std::string ed = blob("ssh-ed25519", "KEY-A");
  const std::string other = blob("ssh-ed25519", "KEY-B");
  const std::string rsa = blob("ssh-rsa", "RSA");
  const std::string text = "# comment\n@cert-authority * ssh-ed25519 " + base64_encode(other) +
                           "\n"
                           "github.com,10.0.0.1 ssh-ed25519 " +
                           base64_encode(ed) + " comment\n[127.0.0.1]:2222 ssh-ed25519 " + base64_encode(other) +
                           "\n|1|c2FsdA==|aGFzaA== ssh-ed25519 " + base64_encode(ed) + "\n";
  CHECK(key_type_of(ed) == "ssh-ed25519");
  CHECK(check_known_host(text, "github.com", 22, ed) == HostKeyVerdict::known);
  CHECK(check_known_host(text, "10.0.0.1", 22, ed) == HostKeyVerdict::known);
  CHECK(check_known_host(text, "github.com", 22, other) == HostKeyVerdict::mismatch);
  CHECK(check_known_host(text, "github.com", 22, rsa) == HostKeyVerdict::unknown);
  CHECK(check_known_host(text, "127.0.0.1", 2222, other) == HostKeyVerdict::known);
  CHECK(check_known_host(text, "127.0.0.1", 2222, ed) == HostKeyVerdict::mismatch);
  CHECK(check_known_host(text, "127.0.0.1", 22, ed) == HostKeyVerdict::unknown);
  CHECK(check_known_host("", "x", 22, ed) == HostKeyVerdict::unknown);
}

TEST_CASE("hashed names, as ssh-keygen -H writes them") {
  // ssh-keygen -H turned "[127.0.0.1]:2222 ssh-ed25519 <key>" into this line.
  const std::string key = "AAAAC3NzaC1lZDI1NTE5AAAAIAiLJPmO7G70NpcklTjM1gXX9LJgL4okeA9FbFxk3de/";
  const std::string line = "|1|n/ySoXsm8U6bWLBmbokqsNZNNyE=|AJgdKpQVM3Di5ugcQ+F85JRaqt8= ssh-ed25519 " + key + "\n";
  const std::string blob = *base64_decode(key);
  CHECK(check_known_host(line, "127.0.0.1", 2222, blob) == HostKeyVerdict::known);
  CHECK(check_known_host(line, "127.0.0.1", 2223, blob) == HostKeyVerdict::unknown);
  CHECK(check_known_host(line, "127.0.0.1", 2222, blob_of_other()) == HostKeyVerdict::mismatch);
}

}  // TEST_SUITE
