#include "cluster/messages.h"

#include <gtest/gtest.h>

#include "exec/job_registry.h"
#include "exec/query_job.h"
#include "exec/run_job.h"
#include "exec/select_job.h"

namespace fanout::cluster {
namespace {

std::string_view Payload(const std::string& frame) { return std::string_view(frame).substr(5); }

TEST(Messages, TasksCarryTheirRangeStart) {
  TaskMsg t;
  t.id = 3;
  t.object.info = {"/data/a.csv", 1000, ""};
  t.task = {0, 1, 3, 100, 200, 100};
  t.start = csv::RangeStart{csv::QuoteState::kUnquoted, csv::LineEnd::kCr};
  Result<TaskMsg> back = DecodeTask(Payload(EncodeTask(t)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->start, t.start);
}

TEST(Messages, TasksNameARegisteredFormat) {
  TaskMsg t;
  t.id = 4;
  t.object.info = {"/data/a.csv", 10, ""};
  t.task = {0, 0, 1, 0, 10, 10};
  Result<TaskMsg> back = DecodeTask(Payload(EncodeTask(t)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->object.format, "csv");
  t.object.format = "nosuch";
  Result<TaskMsg> bad = DecodeTask(Payload(EncodeTask(t)));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown format 'nosuch'"), std::string::npos) << bad.status().message();
}

TEST(Messages, ANoticeRoundTripsAndATruncatedOneIsRefused) {
  std::string f = EncodeNotice("spot instance-action: terminate at 2026-12-03T12:00:00Z");
  FrameReader r;
  r.Feed(f.data(), f.size());
  bool ready = false;
  FrameType type;
  std::string payload;
  ASSERT_TRUE(r.Next(&ready, &type, &payload).ok());
  ASSERT_TRUE(ready);
  EXPECT_EQ(type, FrameType::kNotice);
  EXPECT_EQ(*DecodeNotice(payload), "spot instance-action: terminate at 2026-12-03T12:00:00Z");
  EXPECT_FALSE(DecodeNotice(std::string_view(payload).substr(0, payload.size() - 1)).ok());
  EXPECT_FALSE(DecodeNotice(payload + "x").ok());
}

// A job travels as its registered kind and comes back as the same job.
TEST(Messages, JobsRoundTripThroughTheRegistry) {
  exec::JobCommon common;
  common.scan.delim = ';';
  common.threads = 3;
  common.max_group_memory = 12345;
  common.watch_interruptions = true;
  exec::QuerySpec spec;
  spec.by = "2,passenger_count";
  spec.where = {"trip_distance > 1"};
  spec.aggs = {{0, "total_amount"}};
  auto q = exec::QueryJob::Make(common, spec);
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto s = exec::SelectJob::Make(common, "1-3", {"4 >= 2"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto r = exec::RunJob::Make(common, "wc -l", true, true, {{"t.py", std::string(64, 'a')}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const exec::Job* job : std::initializer_list<const exec::Job*>{q->get(), s->get(), r->get()}) {
    std::string payload = exec::EncodeJob(*job);
    Result<std::unique_ptr<exec::Job>> back = exec::DecodeJob(payload);
    ASSERT_TRUE(back.ok()) << job->Kind() << ": " << back.status().message();
    EXPECT_EQ((*back)->Kind(), job->Kind());
    EXPECT_EQ(exec::EncodeJob(**back), payload) << job->Kind();
    EXPECT_EQ((*back)->common().scan.delim, ';');
    EXPECT_EQ((*back)->common().threads, 3u);
    EXPECT_EQ((*back)->common().max_group_memory, 12345u);
    EXPECT_TRUE((*back)->common().watch_interruptions);
    for (size_t n = 0; n < payload.size(); ++n) {  // every truncation is refused, none crashes
      EXPECT_FALSE(exec::DecodeJob(std::string_view(payload).substr(0, n)).ok()) << job->Kind() << " cut at " << n;
    }
  }
  Encoder e;
  e.Str("nosuch");
  Result<std::unique_ptr<exec::Job>> unknown = exec::DecodeJob(e.bytes());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown job kind 'nosuch'"), std::string::npos);
}

TEST(Messages, DoneFramesCarryWhatTheRangeFound) {
  DoneMsg d;
  d.id = 7;
  d.end.used = csv::RangeStart{csv::QuoteState::kQuoted, csv::LineEnd::kLf};
  d.end.quote = csv::QuoteState::kUnquoted;
  d.end.saw_lf = true;
  d.end.saw_cr = true;
  d.end.quote_at_begin = true;
  d.end.unterminated = 12345;
  d.partial = "p";
  d.run_us = 1234567;
  d.cpu_us = 890123;
  Result<DoneMsg> back = DecodeDone(Payload(EncodeDone(d)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->end, d.end);
  EXPECT_EQ(back->partial, "p");
  EXPECT_EQ(back->run_us, 1234567u);
  EXPECT_EQ(back->cpu_us, 890123u);
  // A protocol-5 done frame (no times) does not decode: its peer is another version.
  std::string frame = EncodeDone(d);
  std::string_view v5 = Payload(frame);
  EXPECT_FALSE(DecodeDone(v5.substr(0, v5.size() - 16)).ok());
}

// A worker that reports a range read with a guessed line end, or a quote state
// that does not exist, sent garbage: the frame is refused.
TEST(Messages, ImpossibleRangeEndsAreRefused) {
  DoneMsg d;
  d.id = 7;
  std::string good = EncodeDone(d);
  ASSERT_TRUE(DecodeDone(Payload(good)).ok());
  const size_t used_at = 5 + 8, quote_at = used_at + 1, saw_at = quote_at + 1;
  std::string bad = good;
  bad[used_at] = static_cast<char>(csv::RangeStart{}.Code());  // kGuess: never what a range was read with
  EXPECT_FALSE(DecodeDone(Payload(bad)).ok());
  bad = good;
  bad[quote_at] = 3;
  EXPECT_FALSE(DecodeDone(Payload(bad)).ok());
  bad = good;
  bad[saw_at] = 8;
  EXPECT_FALSE(DecodeDone(Payload(bad)).ok());
  for (size_t n = 0; n < Payload(good).size(); ++n) EXPECT_FALSE(DecodeDone(Payload(good).substr(0, n)).ok()) << n;
}

// A task of a stage job carries the staged piece it reads: where it is, and
// how to make it again from its source (the byte range of the source object).
TEST(Messages, TaskOfAStagedPieceRoundTrips) {
  TaskMsg t;
  t.id = 9;
  t.object.info = {"/p/7q.csv", 555, ""};
  t.task = {0, 0, 1, 0, UINT64_MAX, 555};
  t.staged = true;
  t.piece_here = true;
  t.source.holder = "user@h2";  // (not sent: the worker is the holder or fetches it again)
  t.source.piece = 7;
  t.source.source.info = {"s3://bucket/trip data/a\nb %41.csv", 123456789, "\"etag-1\""};
  t.source.source.compression = io::Compression::kZstd;
  t.source.source_task = {0, 2, 5, 1000, 2000, 1000};
  t.source.start = csv::RangeStart{csv::QuoteState::kUnquoted, csv::LineEnd::kCr};
  std::string frame = EncodeTask(t);
  Result<TaskMsg> back = DecodeTask(std::string_view(frame).substr(5));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->staged);
  EXPECT_TRUE(back->piece_here);
  EXPECT_EQ(back->source.piece, 7u);
  EXPECT_EQ(back->source.source.info.url, t.source.source.info.url);
  EXPECT_EQ(back->source.source.info.etag, t.source.source.info.etag);
  EXPECT_EQ(back->source.source.compression, io::Compression::kZstd);
  EXPECT_EQ(back->source.source_task.end, 2000u);
  EXPECT_EQ(back->source.start, t.source.start);
}

}  // namespace
}  // namespace fanout::cluster
