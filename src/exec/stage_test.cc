#include "exec/job_registry.h"
#include "exec/stage.h"
#include "exec/stage_job.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fanout::exec {
namespace {

Manifest Sample() {
  Manifest m;
  m.recipe.name = "trips";
  m.recipe.dir = "/data/stage dir\twith\nodd %bytes";
  m.recipe.cols = "1-5,total_amount|total_amt";
  m.recipe.where = {"passenger_count >= 2", "trip_distance < 100"};
  m.recipe.scan.delim = '\t';
  m.recipe.scan.header = csv::HeaderMode::kYes;
  m.recipe.scan.strict = true;
  m.recipe.scan.buffer_bytes = 4096;
  m.recipe.scan.max_row_bytes = 1 << 20;
  m.remote.endpoint_url = "http://127.0.0.1:9000";
  m.remote.region = "eu-west-1";
  m.remote.no_sign_request = true;
  m.remote.addressing = "path";
  m.ssh = "ssh -F 'my cluster.conf'";
  m.remote_fanout = "/opt/fan out/fanout";
  m.complete = true;
  m.holders = {"h1", "user@h2"};
  Manifest::Piece p;
  p.where.holder = "user@h2";
  p.where.piece = 7;
  p.where.source.info = {"s3://bucket/trip data/a\nb %41.csv", 123456789, "\"etag-1\""};
  p.where.source.compression = io::Compression::kZstd;
  p.where.source_task = {0, 2, 5, 1000, 2000, 1000};
  p.where.start = csv::RangeStart{csv::QuoteState::kUnquoted, csv::LineEnd::kCr};
  p.info = {"/home/u/.cache/fanout/stage/trips/7s10.csv", 555, 42, true, p.where.start};
  m.pieces.push_back(p);
  return m;
}

TEST(StageTest, ManifestRoundTripsOddBytes) {
  Manifest m = Sample();
  Result<Manifest> back = DecodeManifest(EncodeManifest(m), "test");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(EncodeManifest(*back), EncodeManifest(m));
  EXPECT_EQ(back->recipe.dir, m.recipe.dir);
  EXPECT_EQ(back->recipe.where, m.recipe.where);
  EXPECT_EQ(back->recipe.scan.delim, '\t');
  EXPECT_EQ(back->recipe.scan.header, csv::HeaderMode::kYes);
  EXPECT_TRUE(back->recipe.scan.strict);
  EXPECT_EQ(back->remote.endpoint_url, "http://127.0.0.1:9000");
  EXPECT_TRUE(back->remote.no_sign_request);
  EXPECT_EQ(back->ssh, m.ssh);
  EXPECT_EQ(back->remote_fanout, m.remote_fanout);
  ASSERT_EQ(back->pieces.size(), 1u);
  const Manifest::Piece& p = back->pieces[0];
  EXPECT_EQ(p.where.holder, "user@h2");
  EXPECT_EQ(p.where.piece, 7u);
  EXPECT_EQ(p.where.source.info.url, "s3://bucket/trip data/a\nb %41.csv");
  EXPECT_EQ(p.where.source.info.etag, "\"etag-1\"");
  EXPECT_EQ(p.where.source.compression, io::Compression::kZstd);
  EXPECT_EQ(p.where.source_task.range, 2u);
  EXPECT_EQ(p.where.source_task.ranges, 5u);
  EXPECT_EQ(p.where.source_task.begin, 1000u);
  EXPECT_EQ(p.where.start, m.pieces[0].where.start);
  EXPECT_EQ(p.info.size, 555u);
  EXPECT_EQ(p.info.rows, 42u);
}

// A piece's source keeps its format, so a piece staged again from a Parquet
// source reads it as Parquet; a CSV source's line is as it always was, and an
// unknown format is refused.
TEST(StageTest, ManifestKeepsTheSourcesFormat) {
  Manifest m = Sample();
  const std::string csv_text = EncodeManifest(m);
  m.pieces[0].where.source.format = "parquet";
  const std::string text = EncodeManifest(m);
  EXPECT_NE(text, csv_text);
  Result<Manifest> back = DecodeManifest(text, "test");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->pieces[0].where.source.format, "parquet");
  Result<Manifest> old = DecodeManifest(csv_text, "test");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->pieces[0].where.source.format, "csv");
  std::string unknown = text;
  unknown.replace(unknown.rfind("parquet"), 7, "orcfile");
  Result<Manifest> bad = DecodeManifest(unknown, "test");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown format"), std::string::npos) << bad.status().message();
}

// Manifests written before range starts had three quote states say 0 or 1 for
// "outside" or "inside quotes"; they still mean that.
TEST(StageTest, ManifestsOfEarlierVersionsKeepTheirStarts) {
  Manifest m = Sample();
  for (uint8_t old : {0, 1}) {
    m.pieces[0].where.start = csv::RangeStart{old == 1 ? csv::QuoteState::kQuoted : csv::QuoteState::kFieldStart,
                                              csv::LineEnd::kGuess};
    std::string text = EncodeManifest(m);
    ASSERT_EQ(text.substr(text.size() - 3), "\t" + std::to_string(old) + "\n");
    Result<Manifest> back = DecodeManifest(text, "old");
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->pieces[0].where.start, m.pieces[0].where.start);
  }
  std::string bad = EncodeManifest(m);
  bad.replace(bad.size() - 2, 1, "3");  // quote state 3 does not exist
  EXPECT_FALSE(DecodeManifest(bad, "M").ok());
}

// A manifest written before --ssh and --remote-fanout were recorded reads as
// one that used the defaults.
TEST(StageTest, ManifestWithoutSshFieldsReadsAsDefaults) {
  Manifest m = Sample();
  m.ssh.clear();
  m.remote_fanout.clear();
  std::string text = EncodeManifest(m);
  EXPECT_EQ(text.find("\nssh\t"), std::string::npos);
  EXPECT_EQ(text.find("\nremote-fanout\t"), std::string::npos);
  Result<Manifest> back = DecodeManifest(text, "old");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ssh, "");
  EXPECT_EQ(back->remote_fanout, "");
  EXPECT_EQ(back->pieces.size(), 1u);
}

TEST(StageTest, DamagedManifestsAreErrorsNamingTheLine) {
  std::string good = EncodeManifest(Sample());
  for (const std::string& bad :
       {std::string(""), std::string("not a manifest\n"), good + "piece\t1\t2\n", good + "mystery\tx\n",
        good + "delimiter\t999\n", good + "header\tmaybe\n", good + "name\t%4\n"}) {
    Result<Manifest> m = DecodeManifest(bad, "M");
    EXPECT_FALSE(m.ok()) << bad;
    if (!m.ok()) {
      EXPECT_NE(m.status().message().find("M"), std::string::npos);
    }
  }
  // Every prefix of a good manifest either decodes or fails cleanly.
  for (size_t n = 0; n <= good.size(); ++n) (void)DecodeManifest(good.substr(0, n), "M");
}

TEST(StageTest, Names) {
  EXPECT_TRUE(CheckStageName("trips-2024_v1.0").ok());
  for (const char* bad : {"", ".hidden", "a/b", "..", "a b", "$(x)", "tab\there"}) {
    EXPECT_FALSE(CheckStageName(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckStageName(std::string(101, 'a')).ok());
}

TEST(StageTest, PieceMessagesRoundTrip) {
  PieceInfo p{"/x/y/3q.csv", 10, 2, true, csv::RangeStart{csv::QuoteState::kQuoted, csv::LineEnd::kGuess}};
  Result<PieceInfo> back = DecodePiece(EncodePiece(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->path, p.path);
  EXPECT_EQ(back->size, 10u);
  EXPECT_EQ(back->rows, 2u);
  EXPECT_TRUE(back->header);
  EXPECT_EQ(back->start, p.start);
  EXPECT_FALSE(DecodePiece(EncodePiece(PieceInfo{"relative.csv", 0, 0, false, {}})).ok());
  EXPECT_FALSE(DecodePiece("garbage").ok());
}

TEST(StageTest, TasksAndJobsCarryTheStage) {
  JobCommon common;
  common.stage = Sample().recipe;
  Result<std::unique_ptr<StageJob>> job = StageJob::Make(common);
  ASSERT_TRUE(job.ok()) << job.status().message();
  std::string payload = EncodeJob(**job);
  Result<std::unique_ptr<Job>> j = DecodeJob(payload);
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ((*j)->Kind(), StageJob::kKind);
  EXPECT_EQ((*j)->common().stage.cols, common.stage.cols);
  EXPECT_EQ((*j)->common().stage.where, common.stage.where);
  EXPECT_EQ((*j)->common().stage.scan.delim, '\t');
  (*job)->common().stage.name = "";
  payload = EncodeJob(**job);
  EXPECT_FALSE(DecodeJob(payload).ok());  // a stage job needs a name
}

TEST(StageTest, WritePieceIsWholeOrAbsent) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("fanout-stage-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path src = dir / "src.csv";
  std::ofstream(src) << "a,b,c\n1,2,3\n4,5,6\n";
  StageRecipe r;
  r.name = "t";
  r.dir = (dir / "stage").string();
  r.cols = "3,1";
  ObjectPlan o{io::ObjectInfo{src.string(), fs::file_size(src), ""}, io::Compression::kNone};
  Task task{0, 0, 1, 0, UINT64_MAX, o.info.size};
  csv::RangeEnd q;
  const csv::RangeStart first;  // every range's first run
  Result<PieceInfo> p = WritePiece(r, o, task, first, 4, nullptr, nullptr, &q);
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::ifstream in(p->path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "c,a\n3,1\n6,4\n");
  EXPECT_EQ(p->size, text.size());
  EXPECT_EQ(p->rows, 2u);
  EXPECT_TRUE(p->header);
  EXPECT_EQ(fs::path(p->path).filename(), "4.csv");
  // A later range gets the header too; a range started inside quotes has its own name.
  Task second{0, 1, 2, 10, o.info.size, o.info.size - 10};
  p = WritePiece(r, o, second, csv::RangeStart{csv::QuoteState::kQuoted, csv::LineEnd::kGuess}, 5, nullptr, nullptr,
                 &q);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(fs::path(p->path).filename(), "5q.csv");
  p = WritePiece(r, o, second, csv::RangeStart{csv::QuoteState::kUnquoted, csv::LineEnd::kLf}, 5, nullptr, nullptr,
                 &q);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(fs::path(p->path).filename(), "5s6.csv");
  // A column the source lacks (by name, or past the header's end): an error,
  // and no file of any kind is left.
  r.name = "u";
  for (const char* cols : {"nope", "9"}) {
    r.cols = cols;
    p = WritePiece(r, o, task, first, 1, nullptr, nullptr, &q);
    EXPECT_FALSE(p.ok()) << cols;
  }
  EXPECT_FALSE(fs::exists(dir / "stage" / "u" / "1.csv"));
  for (const auto& e : fs::directory_iterator(dir / "stage" / "u")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "temporary file left: " << e.path();
  }
  // --drop removes what fanout wrote and nothing else.
  r.name = "t";
  std::ofstream(dir / "stage" / "t" / "notes.txt") << "mine";
  std::string kept;
  ASSERT_TRUE(RemovePieceDir(r, &kept).ok());
  EXPECT_NE(kept.find("notes.txt"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "stage" / "t" / "notes.txt"));
  EXPECT_FALSE(fs::exists(dir / "stage" / "t" / "4.csv"));
  EXPECT_FALSE(fs::exists(dir / "stage" / "t" / "5q.csv"));
  EXPECT_FALSE(fs::exists(dir / "stage" / "t" / "5s6.csv"));
  // A directory holding someone else's files is not taken over.
  r.cols = "1";
  p = WritePiece(r, o, task, first, 0, nullptr, nullptr, &q);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("notes.txt"), std::string::npos);
  fs::remove(dir / "stage" / "t" / "notes.txt");
  kept.clear();
  ASSERT_TRUE(RemovePieceDir(r, &kept).ok());
  EXPECT_TRUE(kept.empty());
  EXPECT_FALSE(fs::exists(dir / "stage" / "t"));
  EXPECT_TRUE(RemovePieceDir(r, &kept).ok());  // nothing there: fine
  fs::remove_all(dir);
}

// Every range's piece, written from a source split as the planner splits it:
// the header line first (later ranges too), then the selected columns of the
// rows that start in the range, and a size that is the file's. (A later range's
// header line left out of the size passed the single-range test above.)
TEST(StageTest, WritePieceSizesAndRowsOfEveryRange) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("fanout-stage-ranges-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Rows of different lengths, so range boundaries fall anywhere in them.
  const std::string header = "id,name,amount\n";
  std::vector<std::vector<std::string>> fields;
  std::string text = header;
  for (int i = 0; i < 40; ++i) {
    fields.push_back({std::to_string(i), std::string(1 + (i * 7) % 23, static_cast<char>('a' + i % 26)),
                      std::to_string(i * 1.25)});
    text += fields.back()[0] + "," + fields.back()[1] + "," + fields.back()[2] + "\n";
  }
  fs::path src = dir / "src.csv";
  std::ofstream(src, std::ios::binary) << text;
  ObjectPlan o{io::ObjectInfo{src.string(), text.size(), ""}, io::Compression::kNone};

  for (csv::HeaderMode mode : {csv::HeaderMode::kYes, csv::HeaderMode::kNo}) {
    for (uint64_t range : {uint64_t{7}, uint64_t{37}, uint64_t{100}, uint64_t{text.size()}}) {
      const bool with_header = mode == csv::HeaderMode::kYes;
      StageRecipe r;
      r.name = std::string("r") + (with_header ? "h" : "n") + std::to_string(range);
      r.dir = (dir / "stage").string();
      r.cols = "3,1";
      r.scan.header = mode;
      std::vector<Task> tasks = SplitIntoTasks({o}, range);
      std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.range < b.range; });
      uint64_t rows_seen = 0;
      for (const Task& t : tasks) {
        std::string what = r.name + " range " + std::to_string(t.range) + " of " + std::to_string(t.ranges);
        // What the piece must hold: the rows that start in [begin, end), the
        // header line (never a row) excluded.
        std::string want = with_header ? "amount,id\n" : "";
        uint64_t rows = 0, at = 0;
        for (size_t line = 0, offset = 0; line <= fields.size(); ++line) {
          size_t next = text.find('\n', offset) + 1;
          bool is_header = line == 0;
          if (!(is_header && with_header) && offset >= t.begin && offset < std::min<uint64_t>(t.end, text.size())) {
            if (is_header) {
              want += "amount,id\n";  // without a header, the first line is data
            } else {
              want += fields[line - 1][2] + "," + fields[line - 1][0] + "\n";
            }
            ++rows;
          }
          offset = next;
          at = next;
        }
        EXPECT_EQ(at, text.size());
        csv::RangeEnd end;
        Result<PieceInfo> p = WritePiece(r, o, t, csv::RangeStart{}, t.range, nullptr, nullptr, &end);
        ASSERT_TRUE(p.ok()) << what << ": " << p.status().message();
        std::ifstream in(p->path, std::ios::binary);
        std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(got, want) << what;
        EXPECT_EQ(p->size, got.size()) << what << ": the size reported is not the file's";
        EXPECT_EQ(p->size, fs::file_size(p->path)) << what;
        EXPECT_TRUE(PieceIsThere(p->path, p->size)) << what;
        EXPECT_EQ(p->rows, rows) << what;
        EXPECT_EQ(p->header, with_header) << what;
        rows_seen += p->rows;
      }
      EXPECT_EQ(rows_seen, fields.size() + (with_header ? 0 : 1)) << r.name << ": every row in exactly one piece";
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fanout::exec
