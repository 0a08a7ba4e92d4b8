// Staging: the selected columns of a dataset written once to the local disks of
// the machines that will query it, as pieces, then read again and again as
// stage://NAME. A piece is one task of the source (a whole object, or a byte
// range of a large one) with the source's header, if it has one, as its first
// line, so every piece is a CSV object of its own.
//
// The coordinator keeps a manifest per stage (which machine holds which piece,
// and the recipe to make any piece again from its source); a job reading
// stage://NAME runs each piece on the machine that holds it, and a piece whose
// machine is gone is made again from the source by whichever worker runs it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "exec/plan.h"
#include "exec/task_runner.h"
#include "io/remote.h"

namespace fanout::exec {

inline constexpr const char* kLocalHolder = "local";  // the coordinator's machine (and --workers)
inline constexpr const char* kStageScheme = "stage://";

// How a stage's pieces are made: everything needed to make any of them again.
struct StageRecipe {
  std::string name;
  std::string dir;                 // --stage-dir; empty: <cache dir>/stage on each machine
  std::string cols;                // --cols
  std::vector<std::string> where;  // --where, each
  ScanOptions scan;                // how the sources are read
};

// One written piece, as the machine that wrote it reports it.
struct PieceInfo {
  std::string path;    // absolute, on that machine
  uint64_t size = 0;
  uint64_t rows = 0;   // data rows (the header not counted)
  bool header = false; // its first line is the source's header
  csv::RangeStart start;  // the start its range was read assuming (names the file)
};

// Names are [A-Za-z0-9._-], 1..100 characters, not starting with '.'.
Status CheckStageName(const std::string& name);

// The directory on this machine that holds the pieces of `recipe.name`.
std::string PieceDir(const StageRecipe& recipe);

// Removes what fanout wrote in this machine's piece directory of `recipe.name`
// — piece files, temporary pieces, its marker — and the directory when that
// leaves it empty; anything else in it stays (and is named in *kept). A missing
// directory is not an error.
Status RemovePieceDir(const StageRecipe& recipe, std::string* kept);

// Writes one piece: the selected columns of the rows `task` owns in `source`,
// preceded by the source's header when it has one, to a temporary file that is
// synced and then renamed into place — a piece file is whole or absent, never
// half-written. Errors (a full disk, an unwritable directory) name the file.
// The piece directory is fanout's own: one that holds other files is refused.
// What the range found goes to *end.
Result<PieceInfo> WritePiece(const StageRecipe& recipe, const ObjectPlan& source, const Task& task,
                             csv::RangeStart start, uint32_t piece, Progress* progress,
                             const std::atomic<bool>* cancel, csv::RangeEnd* end);

// True when `path` is a regular file of `size` bytes: a piece that can be read.
bool PieceIsThere(const std::string& path, uint64_t size);

// Writes `piece` again from its source, on this machine (WritePiece).
Result<PieceInfo> RemakePiece(const StageRecipe& recipe, const StagedPiece& piece, const std::atomic<bool>* cancel);

// The coordinator's record of a stage.
struct Manifest {
  StageRecipe recipe;
  io::RemoteOptions remote;  // how the sources are reached (endpoint, region, anonymity, addressing)
  // How the holders were reached (--ssh, --remote-fanout); empty: the defaults.
  // Later jobs and --drop use them unless given their own.
  std::string ssh, remote_fanout;
  bool complete = false;     // false: the stage job did not finish; only --drop may use it
  std::vector<std::string> holders;  // every machine that may hold its files, for --drop
  struct Piece {
    StagedPiece where;
    PieceInfo info;
  };
  std::vector<Piece> pieces;  // by piece number
};

// ~/.cache/fanout/stages/NAME (on the coordinator's machine).
std::string ManifestPath(const std::string& name);
// NotFound ("no stage named X") when there is none.
Result<Manifest> LoadManifest(const std::string& name);
Status SaveManifest(const Manifest& m);  // written to a temporary file, then renamed
std::string EncodeManifest(const Manifest& m);
Result<Manifest> DecodeManifest(const std::string& text, const std::string& name_for_errors);

// Adds `holder` to m->holders unless it is there.
void AddHolder(Manifest* m, const std::string& holder);

}  // namespace fanout::exec
