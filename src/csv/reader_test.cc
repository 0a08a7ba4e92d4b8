#include "csv/reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace fanout::csv {
namespace {

// Serves a string from an offset, at most `chunk` bytes per Read (short reads).
class MemoryStream final : public io::ByteStream {
 public:
  // With `mapped`, the stream also offers its bytes in place, as a mapped file does.
  MemoryStream(const std::string& data, size_t offset, size_t chunk, bool mapped = false)
      : data_(data), pos_(offset), chunk_(chunk), mapped_(mapped) {}
  std::string_view Mapped() const override {
    return mapped_ ? std::string_view(data_).substr(std::min(pos_, data_.size())) : std::string_view();
  }
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - std::min(pos_, data_.size())});
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  const std::string& data_;
  size_t pos_, chunk_;
  bool mapped_;
};

struct SimpleRow {
  uint64_t offset;
  std::vector<std::string> fields;
  bool operator==(const SimpleRow&) const = default;
};

std::ostream& operator<<(std::ostream& os, const SimpleRow& r) {
  os << "@" << r.offset << "[";
  for (const auto& f : r.fields) os << "<" << f << ">";
  return os << "]";
}

// The deliberately simple reference: one pass, one byte at a time, over the whole text.
std::vector<SimpleRow> ReferenceRows(const std::string& s, char delim) {
  std::vector<SimpleRow> rows;
  bool q = false;
  size_t row_start = 0, field_start = 0;
  std::vector<std::string> fields;
  auto end_row = [&](size_t end) {
    std::string last = s.substr(field_start, end - field_start);
    if (!last.empty() && last.back() == '\r') last.pop_back();
    fields.push_back(last);
    if (!(fields.size() == 1 && fields[0].empty())) rows.push_back({row_start, fields});
    fields.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      q = !q;
    } else if (!q && s[i] == delim) {
      fields.push_back(s.substr(field_start, i - field_start));
      field_start = i + 1;
    } else if (!q && s[i] == '\n') {
      end_row(i);
      row_start = field_start = i + 1;
    }
  }
  if (row_start < s.size()) end_row(s.size());
  return rows;
}

bool QuoteParity(const std::string& s, size_t upto) {
  return std::count(s.begin(), s.begin() + upto, '"') % 2 == 1;
}

class Collect final : public RowSink {
 public:
  Status OnRow(const Row& row) override {
    SimpleRow r{row.offset, {}};
    RowFields f;
    f.Split(row, RowFields::kAll);
    for (size_t i = 0; i < f.size(); ++i) r.fields.emplace_back(f[i]);
    rows.push_back(std::move(r));
    return Status::OK();
  }
  std::vector<SimpleRow> rows;
};

// Reads `s` as ranges of `range` bytes with buffers of `buffer` bytes, giving each
// range the true start state, and checks rows and reported end states.
std::vector<SimpleRow> ReadInRanges(const std::string& s, size_t range, size_t buffer, size_t chunk,
                                    bool mapped = false) {
  std::vector<SimpleRow> all;
  for (size_t b = 0; b < s.size() || b == 0; b += range) {
    size_t e = std::min(s.size(), b + range);
    MemoryStream stream(s, b == 0 ? 0 : b - 1, chunk, mapped);
    ReadOptions opt;
    opt.buffer_bytes = buffer;
    opt.begin = b;
    opt.end = e;
    opt.start_in_quote = QuoteParity(s, b);
    RowReader reader(&stream, "mem", opt);
    Collect sink;
    Status st = reader.Run(&sink);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(reader.end_in_quote(), QuoteParity(s, e)) << "range " << b << "-" << e;
    all.insert(all.end(), sink.rows.begin(), sink.rows.end());
    if (s.empty()) break;
  }
  return all;
}

std::string RandomCsv(std::mt19937_64& rng, size_t n) {
  static const char kAlphabet[] = "ab,,\"\"\n\n\r1 ";
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kAlphabet[pick(rng)]);
  return s;
}

TEST(RowReader, FixedCasesMatchReference) {
  const std::vector<std::string> cases = {
      "", "\n", "a", "a\n", "a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,\"b,c\"\n\"d\ne\",f\n",
      "h1,h2\n\n1,2\n", "x,\"\"\"q\"\"\"\n", "no,final,newline", "\n\n\na\n\n", "a,b,\n,\n",
  };
  for (const std::string& s : cases) {
    for (size_t range : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}}) {
      for (size_t buffer : {size_t{1}, size_t{2}, size_t{5}, size_t{64}}) {
        EXPECT_EQ(ReadInRanges(s, range, buffer, 1 << 20), ReferenceRows(s, ','))
            << "input '" << s << "' range " << range << " buffer " << buffer;
        EXPECT_EQ(ReadInRanges(s, range, buffer, 1 << 20, true), ReferenceRows(s, ','))
            << "mapped input '" << s << "' range " << range << " buffer " << buffer;
      }
    }
  }
}

TEST(RowReader, RandomInputsEverySplitAndBufferMatchReference) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 60; ++iter) {
    std::string s = RandomCsv(rng, 1 + rng() % (iter % 4 == 0 ? 2000 : 200));
    std::vector<SimpleRow> expected = ReferenceRows(s, ',');
    for (size_t range = 1; range <= 24; range += 1 + range / 4) {
      for (size_t buffer : {size_t{1}, size_t{64}, size_t{65}, size_t{200}, size_t{4096}}) {
        ASSERT_EQ(ReadInRanges(s, range, buffer, 1 + rng() % 9), expected)
            << "input '" << s << "' range " << range << " buffer " << buffer;
        ASSERT_EQ(ReadInRanges(s, range, buffer, 1, true), expected)
            << "mapped input '" << s << "' range " << range << " buffer " << buffer;
      }
    }
  }
}

TEST(RowReader, WrongStartStateIsVisibleInEndState) {
  // A range that starts inside a quoted field: assuming "outside" must report an
  // end state that differs from the truth, which is what the executor checks.
  std::string s = "a,\"x\ny\nz\",b\nc,d\n";
  size_t b = 5, e = 9;
  MemoryStream stream(s, b - 1, 100);
  ReadOptions opt;
  opt.begin = b;
  opt.end = e;
  opt.start_in_quote = false;
  RowReader reader(&stream, "mem", opt);
  Collect sink;
  ASSERT_TRUE(reader.Run(&sink).ok());
  EXPECT_NE(reader.end_in_quote(), QuoteParity(s, e));
}

TEST(RowReader, OverlongRowIsAnErrorNotACrash) {
  std::string s = "a,\"" + std::string(1000, 'x') + "\n";  // an unbalanced quote
  MemoryStream stream(s, 0, 100);
  ReadOptions opt;
  opt.buffer_bytes = 16;
  opt.max_row_bytes = 256;
  RowReader reader(&stream, "bad.csv", opt);
  Collect sink;
  Status st = reader.Run(&sink);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("bad.csv"), std::string::npos) << st.message();
}

TEST(Unquote, RemovesQuotesAndUndoublesThem) {
  std::string scratch;
  EXPECT_EQ(Unquote("plain", &scratch), "plain");
  EXPECT_EQ(Unquote("\"a,b\"", &scratch), "a,b");
  EXPECT_EQ(Unquote("\"say \"\"hi\"\"\"", &scratch), "say \"hi\"");
  EXPECT_EQ(Unquote("\"\"", &scratch), "");
  EXPECT_EQ(Unquote("\"ab\"c", &scratch), "abc");
}

}  // namespace
}  // namespace fanout::csv
