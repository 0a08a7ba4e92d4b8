// Words for a POSIX shell (the one ssh hands a remote command to, or /bin/sh).
#pragma once

#include <string>

namespace fanout {

// `word` as one word for a POSIX shell: single-quoted (a ' inside becomes
// '\''), except that a leading "~/" stays outside the quotes, so it still means
// the home directory. Spaces, quotes, $, `, \ and newlines stay one word, unchanged.
std::string ShellQuote(const std::string& word);

}  // namespace fanout
