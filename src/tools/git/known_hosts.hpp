#pragma once
// ssh host-key checking against known_hosts text (OpenSSH's format):
// `host[,host...] keytype base64-key [comment]`, `[host]:port` for ports
// other than 22, hashed names (`|1|salt|hash`, as ssh-keygen -H writes them).
// Wildcard and negated host patterns and `@` marker lines are not matched.
#include <optional>
#include <string>
#include <string_view>

namespace automata::tools::git {

enum class HostKeyVerdict { known, unknown, mismatch };

// `key_blob` is the key in ssh wire format (what the base64 field decodes to).
HostKeyVerdict check_known_host(std::string_view known_hosts, std::string_view host, int port,
                                std::string_view key_blob);

std::string base64_encode(std::string_view bytes, bool pad = true);
std::optional<std::string> base64_decode(std::string_view text);
// "ssh-ed25519" from a wire-format key blob, "" if malformed.
std::string key_type_of(std::string_view key_blob);

}  // namespace automata::tools::git
