// The job registry: every kind of Job by name, so a worker can make the job
// a coordinator describes. A job frame's payload is the kind's name, the
// common fields (JobCommon), then the kind's own (Job::EncodeFields).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/codec.h"
#include "core/status.h"
#include "exec/job.h"

namespace fanout::exec {

std::string EncodeJob(const Job& job);
// Corrupt for an unknown kind or malformed fields.
Result<std::unique_ptr<Job>> DecodeJob(std::string_view payload);

// The pieces of a job's encoding that other frames share.
void EncodeScan(const ScanOptions& scan, Encoder* e);
Result<ScanOptions> DecodeScan(Decoder* d);
Result<csv::RangeStart> DecodeRangeStart(Decoder* d);
std::string EncodePiece(const PieceInfo& p);
Result<PieceInfo> DecodePiece(std::string_view payload);

}  // namespace fanout::exec
