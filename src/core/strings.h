// Small string helpers, and the one rule for printing untrusted text on a terminal.
#pragma once

#include <string>
#include <string_view>

namespace fanout {

// The items (strings) joined with `sep`: {"h1", "h2"}, ", " -> "h1, h2".
template <typename Container>
std::string Join(const Container& items, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    out += item;
    first = false;
  }
  return out;
}

// The last line of `text` that is not empty: what a process said last, which
// usually says the most ("ssh: Could not resolve hostname h9: ...").
std::string LastLine(std::string text);

// The environment variable `name`, or empty when it is not set.
std::string EnvOr(const char* name);

// `text` made safe to print on a terminal: nothing in it can move the cursor,
// end the line, change colours or retitle the window. Every message, summary and
// table that can hold data, object names or URLs goes through it. The rule
// (docs/cli.md, "Control bytes on the terminal"), which GNU `ls -b` also follows:
//   backslash                      -> \\   (so an escape is never ambiguous)
//   tab, newline, carriage return  -> \t  \n  \r
//   other C0 control bytes, DEL    -> \xNN (two lower-case hex digits)
//   a byte that is not valid UTF-8 -> \xNN
//   C1 controls U+0080..U+009F     -> \u0080 .. \u009f
// Everything else (printable ASCII, valid UTF-8) is kept as it is.
std::string ForTerminal(std::string_view text);

// The same for text of several lines: each '\n' is kept as a line break, so a
// report built of lines stays readable; everything else follows ForTerminal.
std::string ForTerminalLines(std::string_view text);

// The number of characters (UTF-8 code points) in valid UTF-8 text, such as
// ForTerminal's output: its width on a terminal, for aligning columns.
size_t DisplayWidth(std::string_view text);

// Appends `s` as one CSV field, quoted the minimal RFC 4180 way (as Python's
// csv.writer does): only when it holds the delimiter, a quote or a line end;
// quotes inside are doubled. Every other byte (NUL, ESC, DEL, spaces) is
// written as it is, and Python's csv module and DuckDB read it back exactly.
void AppendCsvField(std::string* out, std::string_view s, char delim = ',');

}  // namespace fanout
