#include "report.h"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <thread>

namespace fanout::sim {
namespace {

// The value of the first line of `path` that starts with `key` ("key : value").
std::string ReadFirst(const char* path, const char* key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      size_t c = line.find(':');
      std::string v = c == std::string::npos ? line : line.substr(c + 1);
      size_t b = v.find_first_not_of(" \t");
      return b == std::string::npos ? "" : v.substr(b);
    }
  }
  return "?";
}

}  // namespace

std::string Fmt(const char* f, ...) {
  va_list ap, ap2;
  va_start(ap, f);
  va_copy(ap2, ap);
  int n = std::vsnprintf(nullptr, 0, f, ap);
  va_end(ap);
  std::string s(static_cast<size_t>(std::max(n, 0)) + 1, '\0');
  std::vsnprintf(s.data(), s.size(), f, ap2);
  va_end(ap2);
  s.resize(static_cast<size_t>(std::max(n, 0)));
  return s;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double TimerOverhead() {
  using Clock = std::chrono::steady_clock;
  const int n = 1000000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    Clock::time_point t0 = Clock::now();
    sum += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return sum / n;
}

const char* Pass(bool ok) { return ok ? "**met**" : "**missed**"; }

bool WriteResultsFile(const std::string& path, const std::string& note, const std::string& body) {
  struct utsname u;
  uname(&u);
  std::ofstream f(path);
  char date[32];
  std::time_t t = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&t));
  f << "# fanout scheduler simulation: " << date << "\n\n";
  f << "Made by `bench/sim/run.sh` (`build/fanout_sim`); bench/sim/README.md explains the model and every number.\n\n";
  f << "| machine | |\n|---|---|\n";
  f << "| host | " << u.nodename << " |\n";
  f << "| nproc | " << std::thread::hardware_concurrency() << " |\n";
  f << "| CPU | " << ReadFirst("/proc/cpuinfo", "model name") << " |\n";
  f << "| memory | " << ReadFirst("/proc/meminfo", "MemTotal") << " |\n";
  f << "| kernel | " << u.sysname << " " << u.release << " " << u.machine << " |\n";
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) f << Fmt("| load average | %.2f %.2f %.2f |\n", load[0], load[1], load[2]);
  if (!note.empty()) f << "| build | " << note << " |\n";
  f << "\n" << body;
  f.flush();
  return static_cast<bool>(f);
}

}  // namespace fanout::sim
