// Fuzzes the decoders of EC2's answers and of cluster records: any bytes give
// a value or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cloud/cluster_record.h"
#include "cloud/ec2.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)fanout::cloud::ParseInstances(in);
  (void)fanout::cloud::ParseSpotPrices(in);
  (void)fanout::cloud::ParseNextToken(in);
  (void)fanout::cloud::ParseError(in);
  (void)fanout::cloud::ParseIsoTime(in);
  (void)fanout::cloud::DecodeRecord(std::string(in), "fuzz");
  return 0;
}
