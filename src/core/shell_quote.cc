#include "core/shell_quote.h"

namespace fanout {

std::string ShellQuote(const std::string& word) {
  std::string head, rest = word;
  if (rest.rfind("~/", 0) == 0) {
    head = "~/";
    rest = rest.substr(2);
  }
  std::string out = head + "'";
  for (char c : rest) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace fanout
