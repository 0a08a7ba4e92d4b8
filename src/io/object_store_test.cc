#include "io/object_store.h"

#include <gtest/gtest.h>

namespace fanout::io {
namespace {

// Regression: a user:password in an input URL or --endpoint-url appeared in error
// messages, the summary and ls output.
TEST(RedactUrl, HidesAUserAndPasswordBeforeTheHost) {
  EXPECT_EQ(RedactUrl("http://key:secret@127.0.0.1:9000"), "http://***@127.0.0.1:9000");
  EXPECT_EQ(RedactUrl("https://user:pw@host/x.csv"), "https://***@host/x.csv");
  EXPECT_EQ(RedactUrl("https://user@host/a/b?c=d"), "https://***@host/a/b?c=d");
  EXPECT_EQ(RedactUrl("https://u:p@ss@host/x"), "https://***@host/x");  // the last '@' before the path ends it
}

TEST(RedactUrl, LeavesEverythingElseAsItIs) {
  for (const char* url : {"http://127.0.0.1:9000", "https://host/x@y.csv", "https://host/?a=b@c", "s3://bucket/a@b.csv",
                          "data/a@b.csv", "", "http://", "https://host#frag@x"}) {
    EXPECT_EQ(RedactUrl(url), url);
  }
}

}  // namespace
}  // namespace fanout::io
