// The --hosts flag: which machines a job (or deploy, or a stage) reaches.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace fanout::cluster {

// Parses --hosts: "h1,h2,user@h3", or "@FILE" (one host per line, # starts a
// comment). Blanks around names are dropped. A name that could be read as an
// option or a shell word ("-x", spaces, quotes, $ ; & | < > \ `) is an error
// naming where it was; so is a list without hosts.
Result<std::vector<std::string>> ParseHosts(const std::string& spec);

}  // namespace fanout::cluster
