#include "codec/compression.h"

#include <array>
#include <string>
#include <utility>

namespace sluice::codec {
namespace {

constexpr std::array<Compression, 5> kAllCompressions = {Compression::kUncompressed,
                                                         Compression::kZlib, Compression::kGzip,
                                                         Compression::kDeflate, Compression::kLzma};

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string AcceptedNames() {
  std::string names;
  for (Compression compression : kAllCompressions) {
    if (!names.empty()) names += ", ";
    names += CompressionName(compression);
  }
  return names;
}

}  // namespace

base::Result<Compression> ParseCompression(std::string_view name) {
  for (Compression compression : kAllCompressions) {
    if (EqualsIgnoringAsciiCase(name, CompressionName(compression))) return compression;
  }
  return base::InvalidArgument("unknown compression type '" + std::string(name) +
                               "'; accepted values (any letter case): " + AcceptedNames());
}

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kUncompressed:
      return "UNCOMPRESSED";
    case Compression::kZlib:
      return "ZLIB";
    case Compression::kGzip:
      return "GZIP";
    case Compression::kDeflate:
      return "DEFLATE";
    case Compression::kLzma:
      return "LZMA";
  }
  return "UNKNOWN";
}

Compression SniffCompression(std::string_view head) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 2 && byte(0) == 0x1f && byte(1) == 0x8b) return Compression::kGzip;
  if (head.size() >= 2 && byte(0) == 0x78 && (byte(0) * 256 + byte(1)) % 31 == 0) {
    return Compression::kZlib;
  }
  return Compression::kUncompressed;
}

}  // namespace sluice::codec
