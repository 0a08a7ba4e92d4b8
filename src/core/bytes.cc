#include "core/bytes.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

namespace fanout {

namespace {

struct Unit {
  const char* name;
  double factor;
};

constexpr Unit kUnits[] = {
    {"", 1},         {"b", 1},           {"k", 1e3},          {"kb", 1e3},
    {"m", 1e6},      {"mb", 1e6},        {"g", 1e9},          {"gb", 1e9},
    {"t", 1e12},     {"tb", 1e12},       {"kib", 1024.0},     {"mib", 1048576.0},
    {"gib", 1073741824.0},               {"tib", 1099511627776.0},
};

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid byte size '" + std::string(text) +
                                   "' (expected e.g. 4096, 64MiB, 2GB)");
  };
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return bad();
  std::string number(text.substr(0, i));
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return bad();
  std::string unit;
  for (size_t j = i; j < text.size(); ++j) {
    if (text[j] == ' ') continue;
    unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[j]))));
  }
  for (const Unit& u : kUnits) {
    if (unit == u.name) {
      double bytes = std::round(value * u.factor);
      if (!(bytes >= 0) || bytes > 1.8e19) return bad();
      return static_cast<uint64_t>(bytes);
    }
  }
  return bad();
}

std::string FormatBytes(uint64_t bytes) {
  static const char* kNames[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, kNames[u]);
  }
  return buf;
}

std::string FormatThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int lead = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (static_cast<int>(i) - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string CountOf(uint64_t n, std::string_view one, std::string_view many) {
  std::string out = FormatThousands(n) + " ";
  if (n == 1) return out.append(one);
  if (many.empty()) return out.append(one).append("s");
  return out.append(many);
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  } else {
    int total = static_cast<int>(seconds + 0.5);
    if (total < 3600) {
      std::snprintf(buf, sizeof buf, "%dm %02ds", total / 60, total % 60);
    } else {
      std::snprintf(buf, sizeof buf, "%dh %02dm", total / 3600, total / 60 % 60);
    }
  }
  return buf;
}

}  // namespace fanout
