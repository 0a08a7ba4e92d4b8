#include "core/strings.h"

#include <gtest/gtest.h>

namespace fanout {
namespace {

using namespace std::string_literals;

TEST(ForTerminal, KeepsPrintableTextAndUtf8) {
  EXPECT_EQ(ForTerminal("data/yellow 2019-01.csv"), "data/yellow 2019-01.csv");
  EXPECT_EQ(ForTerminal("Zürich, 東京, 🚕"), "Zürich, 東京, 🚕");
  EXPECT_EQ(ForTerminal(""), "");
}

TEST(ForTerminal, EscapesControlBytesVisibly) {
  EXPECT_EQ(ForTerminal("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  EXPECT_EQ(ForTerminal("nul\0end"s), "nul\\x00end");
  EXPECT_EQ(ForTerminal("\x1b]0;owned\x07\x1b[2J"), "\\x1b]0;owned\\x07\\x1b[2J");
  EXPECT_EQ(ForTerminal("del\x7f"), "del\\x7f");
  EXPECT_EQ(ForTerminal("\x01\x1f"), "\\x01\\x1f");
}

TEST(ForTerminal, EscapesBackslashSoEscapesAreUnambiguous) {
  // A key that is literally backslash-x-0-0 must not look like a NUL byte.
  EXPECT_EQ(ForTerminal("\\x00"), "\\\\x00");
  EXPECT_NE(ForTerminal("\\x00"), ForTerminal("\0"s));
  EXPECT_EQ(ForTerminal("C:\\dir"), "C:\\\\dir");
}

TEST(ForTerminal, EscapesC1ControlsAndInvalidUtf8) {
  EXPECT_EQ(ForTerminal("\xc2\x9b" "31m"), "\\u009b31m");  // CSI as a UTF-8 character
  EXPECT_EQ(ForTerminal("\xc2\x85"), "\\u0085");           // NEL, a line end for some terminals
  EXPECT_EQ(ForTerminal("\xc2\xa0"), "\xc2\xa0");          // U+00A0 is printable
  EXPECT_EQ(ForTerminal("\x9b" "31m"), "\\x9b31m");        // a lone byte 0x9b (CSI on 8-bit terminals)
  EXPECT_EQ(ForTerminal("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(ForTerminal("\xc3"), "\\xc3");                 // truncated sequence
  EXPECT_EQ(ForTerminal("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong '/'
  EXPECT_EQ(ForTerminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(ForTerminal("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST(ForTerminal, OutputHasNoControlBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  all += "\xc2\x80\xc2\x9f";
  std::string out = ForTerminal(all);
  for (char c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u != 0x7f) << "byte " << int(u);
  }
}

TEST(ForTerminalLines, KeepsLineBreaksOnly) {
  EXPECT_EQ(ForTerminalLines("h1: ok\nh2: \x1b[31mLOST\r\n"), "h1: ok\nh2: \\x1b[31mLOST\\r\n");
}

TEST(DisplayWidth, CountsCharactersNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Zürich"), 6u);
  EXPECT_EQ(DisplayWidth(""), 0u);
}

TEST(LastLine, IsTheLastLineWithText) {
  EXPECT_EQ(LastLine("Warning: Permanently added 'h1'\nssh: connect to host h1 port 22: Connection refused\r\n"),
            "ssh: connect to host h1 port 22: Connection refused");
  EXPECT_EQ(LastLine("one\ntwo\n\n\n"), "two");
  EXPECT_EQ(LastLine("no newline"), "no newline");
  EXPECT_EQ(LastLine("\n\n"), "");
  EXPECT_EQ(LastLine(""), "");
}

}  // namespace
}  // namespace fanout
