#include "codec/decompressor.h"

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <lzma.h>
#include <zlib.h>

namespace sluice::codec {
namespace {

// Bytes currently allocated by malloc, including blocks it took straight from mmap.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

constexpr int kZlibWindow = 15;
constexpr int kDeflateWindow = -15;
constexpr int kGzipWindow = 15 + 16;

// Compresses `repeat` copies of `data` with zlib's deflate; window_bits selects the
// ZLIB, DEFLATE or GZIP framing.
std::string DeflateRepeated(std::string_view data, int repeat, int window_bits, int level = 6) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out;
  std::vector<char> buffer(1 << 16);
  for (int i = 0; i <= repeat; ++i) {
    const bool last = i == repeat;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = last ? 0 : static_cast<uInt>(data.size());
    int code = Z_OK;
    do {
      stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
      stream.avail_out = static_cast<uInt>(buffer.size());
      code = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(buffer.data(), buffer.size() - stream.avail_out);
    } while (last ? code != Z_STREAM_END : stream.avail_out == 0);
  }
  deflateEnd(&stream);
  return out;
}

std::string Deflate(std::string_view data, int window_bits) {
  return DeflateRepeated(data, 1, window_bits);
}

std::string XzCompress(std::string_view data) {
  std::string out(lzma_stream_buffer_bound(data.size()), '\0');
  size_t out_pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr,
                                    reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                    reinterpret_cast<uint8_t*>(out.data()), &out_pos, out.size()),
            LZMA_OK);
  out.resize(out_pos);
  return out;
}

// Legacy .lzma ("LZMA_Alone") format, repeating data `repeat` times.
std::string LzmaAloneCompressRepeated(std::string_view data, int repeat) {
  lzma_options_lzma options;
  EXPECT_FALSE(lzma_lzma_preset(&options, 1));
  lzma_stream stream = LZMA_STREAM_INIT;
  EXPECT_EQ(lzma_alone_encoder(&stream, &options), LZMA_OK);
  std::string out;
  std::vector<uint8_t> buffer(1 << 16);
  for (int i = 0; i <= repeat; ++i) {
    const bool last = i == repeat;
    stream.next_in = reinterpret_cast<const uint8_t*>(data.data());
    stream.avail_in = last ? 0 : data.size();
    lzma_ret code = LZMA_OK;
    do {
      stream.next_out = buffer.data();
      stream.avail_out = buffer.size();
      code = lzma_code(&stream, last ? LZMA_FINISH : LZMA_RUN);
      out.append(reinterpret_cast<char*>(buffer.data()), buffer.size() - stream.avail_out);
    } while (last ? code != LZMA_STREAM_END : stream.avail_in != 0);
  }
  lzma_end(&stream);
  return out;
}

std::string LzmaAloneCompress(std::string_view data) { return LzmaAloneCompressRepeated(data, 1); }

// Words drawn from a small vocabulary: compressible like real text, but not trivially.
std::string SampleText(size_t size, uint32_t seed = 7) {
  static constexpr std::string_view kWords[] = {"sluice",   "push", "index", "source", "item",
                                                "ordering", "blob", "zlib",  "é",      "文書"};
  std::mt19937 random(seed);
  std::string text;
  while (text.size() < size) {
    text += kWords[random() % std::size(kWords)];
    text += (random() % 11 == 0) ? '\n' : ' ';
    if (random() % 97 == 0) text += std::to_string(random());
  }
  text.resize(size);
  return text;
}

struct Decoded {
  base::Status status;
  std::string output;
  size_t largest_chunk = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

// Feeds `input` in pieces of `piece` bytes, then finishes (unless a Write failed).
Decoded Decode(Compression compression, std::string_view input, size_t piece = 1 << 20,
               uint64_t max_output = 1ull << 32) {
  Decoded result;
  auto decompressor = MakeDecompressor(compression, max_output, [&result](std::string_view chunk) {
    result.output.append(chunk);
    result.largest_chunk = std::max(result.largest_chunk, chunk.size());
    return base::Status::Ok();
  });
  for (size_t at = 0; at < input.size() && result.status.ok(); at += piece) {
    result.status = decompressor->Write(input.substr(at, piece));
  }
  if (result.status.ok()) result.status = decompressor->Finish();
  result.bytes_in = decompressor->bytes_in();
  result.bytes_out = decompressor->bytes_out();
  return result;
}

struct Format {
  std::string name;
  Compression compression;
  std::string (*compress)(std::string_view);
};

std::string Identity(std::string_view data) { return std::string(data); }

std::vector<Format> AllFormats() {
  return {
      {"Zlib", Compression::kZlib, [](std::string_view d) { return Deflate(d, kZlibWindow); }},
      {"Deflate", Compression::kDeflate,
       [](std::string_view d) { return Deflate(d, kDeflateWindow); }},
      {"Gzip", Compression::kGzip, [](std::string_view d) { return Deflate(d, kGzipWindow); }},
      {"Xz", Compression::kLzma, &XzCompress},
      {"LzmaAlone", Compression::kLzma, &LzmaAloneCompress},
      {"Uncompressed", Compression::kUncompressed, &Identity},
  };
}

class DecompressorFormatTest : public testing::TestWithParam<Format> {};

INSTANTIATE_TEST_SUITE_P(AllFormats, DecompressorFormatTest, testing::ValuesIn(AllFormats()),
                         [](const auto& test) { return test.param.name; });

TEST_P(DecompressorFormatTest, RoundTripsInBoundedChunks) {
  const std::string original = SampleText(3 << 20);
  const std::string compressed = GetParam().compress(original);
  Decoded decoded = Decode(GetParam().compression, compressed);
  ASSERT_TRUE(decoded.status.ok()) << decoded.status.ToString();
  EXPECT_TRUE(decoded.output == original);
  EXPECT_LE(decoded.largest_chunk, Decompressor::kMaxOutputChunkBytes);
  EXPECT_EQ(decoded.bytes_in, compressed.size());
  EXPECT_EQ(decoded.bytes_out, original.size());
}

TEST_P(DecompressorFormatTest, OneByteAtATimeGivesTheSameOutput) {
  const std::string original = SampleText(300'000, 11);
  const std::string compressed = GetParam().compress(original);
  Decoded whole = Decode(GetParam().compression, compressed);
  Decoded bytewise = Decode(GetParam().compression, compressed, 1);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  ASSERT_TRUE(bytewise.status.ok()) << bytewise.status.ToString();
  EXPECT_TRUE(bytewise.output == whole.output);
  EXPECT_TRUE(whole.output == original);
}

TEST_P(DecompressorFormatTest, CapEqualToOutputSizePassesAndOneLessFails) {
  const std::string original = SampleText(700'000, 3);
  const std::string compressed = GetParam().compress(original);
  Decoded exact = Decode(GetParam().compression, compressed, 4096, original.size());
  ASSERT_TRUE(exact.status.ok()) << exact.status.ToString();
  EXPECT_TRUE(exact.output == original);

  Decoded over = Decode(GetParam().compression, compressed, 4096, original.size() - 1);
  EXPECT_EQ(over.status.code(), base::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status.message(), "decompressed size exceeds the limit of " +
                                       std::to_string(original.size() - 1) +
                                       " bytes (decompression bomb?)");
  EXPECT_LT(over.output.size(), original.size());
  EXPECT_TRUE(original.starts_with(over.output));
}

TEST_P(DecompressorFormatTest, SinkErrorStopsDecompressionAndIsReturnedUnchanged) {
  const std::string compressed = GetParam().compress(SampleText(2 << 20, 5));
  int calls = 0;
  auto decompressor = MakeDecompressor(GetParam().compression, 1ull << 32,
                                       [&calls](std::string_view) -> base::Status {
                                         ++calls;
                                         return base::IoError("disk full while spooling");
                                       });
  base::Status status = decompressor->Write(compressed);
  EXPECT_EQ(status.code(), base::StatusCode::kIoError);
  EXPECT_EQ(status.message(), "disk full while spooling");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(decompressor->Finish().message(), "disk full while spooling");
  EXPECT_EQ(calls, 1);
}

class CompressedFormatTest : public testing::TestWithParam<Format> {};

INSTANTIATE_TEST_SUITE_P(CompressedFormats, CompressedFormatTest, testing::ValuesIn([] {
                           auto formats = AllFormats();
                           formats.pop_back();  // Uncompressed
                           return formats;
                         }()),
                         [](const auto& test) { return test.param.name; });

TEST_P(CompressedFormatTest, TruncatedInputNamesTheByteOffset) {
  const std::string compressed = GetParam().compress(SampleText(200'000));
  for (size_t cut : {compressed.size() / 2, compressed.size() - 1, size_t{3}}) {
    Decoded decoded = Decode(GetParam().compression, compressed.substr(0, cut), 1000);
    EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss) << cut;
    EXPECT_EQ(decoded.status.message(),
              std::string(CompressionName(GetParam().compression)) + " stream truncated at byte " +
                  std::to_string(cut) + ": the input ended before the end of the compressed data");
  }
}

TEST_P(CompressedFormatTest, CorruptByteIsDataLossAtOrAfterIt) {
  const std::string original = SampleText(200'000);
  std::string corrupt = GetParam().compress(original);
  const size_t flipped = corrupt.size() / 2;
  corrupt[flipped] = static_cast<char>(corrupt[flipped] ^ 0x55);
  Decoded decoded = Decode(GetParam().compression, corrupt, 777);
  if (decoded.status.ok()) {
    // Raw DEFLATE has no checksum, so a flipped bit may only change the output (see
    // DeflateInvalidBlockTypeIsDataLoss); every other format must notice.
    ASSERT_EQ(GetParam().compression, Compression::kDeflate);
    EXPECT_NE(decoded.output, original);
    return;
  }
  ASSERT_EQ(decoded.status.code(), base::StatusCode::kDataLoss) << decoded.status.ToString();
  std::smatch match;
  const std::string message = decoded.status.message();
  ASSERT_TRUE(std::regex_search(message, match, std::regex("data corrupt at byte ([0-9]+): .+")))
      << message;
  const uint64_t offset = std::stoull(match[1]);
  EXPECT_GE(offset, flipped);
  EXPECT_LE(offset, corrupt.size());
}

TEST_P(CompressedFormatTest, EmptyInputIsDataLoss) {
  Decoded decoded = Decode(GetParam().compression, "");
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss);
  EXPECT_TRUE(decoded.status.message().starts_with("empty input")) << decoded.status.message();
}

TEST_P(CompressedFormatTest, GarbageAfterTheStreamIsCounted) {
  const std::string compressed = GetParam().compress("hello");
  Decoded decoded = Decode(GetParam().compression, compressed + "JUNK!", 2);
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(decoded.status.message(), "unexpected 5 bytes after the end of the " +
                                          std::string(CompressionName(GetParam().compression)) +
                                          " stream (it ended at byte " +
                                          std::to_string(compressed.size()) + ")");
  EXPECT_EQ(decoded.output, "hello");
}

TEST(DecompressorTest, UncompressedEmptyInputIsAnEmptyItem) {
  Decoded decoded = Decode(Compression::kUncompressed, "");
  EXPECT_TRUE(decoded.status.ok()) << decoded.status.ToString();
  EXPECT_EQ(decoded.output, "");
}

TEST(DecompressorTest, GzipMembersAreConcatenated) {
  const std::string first = SampleText(100'000, 1);
  const std::string second = SampleText(50'000, 2);
  const std::string both = Deflate(first, kGzipWindow) + Deflate(second, kGzipWindow);
  for (size_t piece : {size_t{1}, size_t{999}, both.size()}) {
    Decoded decoded = Decode(Compression::kGzip, both, piece);
    ASSERT_TRUE(decoded.status.ok()) << decoded.status.ToString();
    EXPECT_TRUE(decoded.output == first + second) << piece;
  }
}

TEST(DecompressorTest, GzipTrailingZeroPaddingIsTolerated) {
  Decoded decoded =
      Decode(Compression::kGzip, Deflate("padded", kGzipWindow) + std::string(512, '\0'), 100);
  EXPECT_TRUE(decoded.status.ok()) << decoded.status.ToString();
  EXPECT_EQ(decoded.output, "padded");
}

TEST(DecompressorTest, ZlibDoesNotAcceptASecondStreamOrPadding) {
  const std::string one = Deflate("one", kZlibWindow);
  Decoded decoded = Decode(Compression::kZlib, one + one);
  EXPECT_EQ(decoded.status.message(), "unexpected " + std::to_string(one.size()) +
                                          " bytes after the end of the ZLIB stream (it ended at "
                                          "byte " +
                                          std::to_string(one.size()) + ")");
  Decoded padded = Decode(Compression::kZlib, one + std::string(4, '\0'));
  EXPECT_EQ(padded.status.code(), base::StatusCode::kDataLoss);
}

TEST(DecompressorTest, XzStreamsAreConcatenatedWithPaddingBetween) {
  const std::string both = XzCompress("first ") + std::string(8, '\0') + XzCompress("second");
  for (size_t piece : {size_t{1}, both.size()}) {
    Decoded decoded = Decode(Compression::kLzma, both, piece);
    ASSERT_TRUE(decoded.status.ok()) << decoded.status.ToString();
    EXPECT_EQ(decoded.output, "first second");
  }
}

TEST(DecompressorTest, ZlibHeaderErrorIsReported) {
  Decoded decoded = Decode(Compression::kZlib, "not zlib at all");
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(decoded.status.message(), "ZLIB data corrupt at byte 2: incorrect header check");
}

TEST(DecompressorTest, DeflateInvalidBlockTypeIsDataLoss) {
  std::string corrupt = Deflate(SampleText(10'000), kDeflateWindow);
  corrupt[0] = static_cast<char>(corrupt[0] | 0x06);  // block type 3 is reserved
  Decoded decoded = Decode(Compression::kDeflate, corrupt);
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(decoded.status.message(), "DEFLATE data corrupt at byte 1: invalid block type");
}

// The same fault found in a later write, where only ISA-L's own account of it is at hand.
TEST(DecompressorTest, DeflateFaultInALaterWriteNamesItsOffset) {
  const std::string good = Deflate(SampleText(10'000), kDeflateWindow);
  std::string corrupt = good;
  corrupt[0] = static_cast<char>(corrupt[0] | 0x06);
  Decoded decoded = Decode(Compression::kDeflate, corrupt, 1);
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss);
  EXPECT_TRUE(decoded.status.message().starts_with("DEFLATE data corrupt at byte 1: "))
      << decoded.status.message();
}

struct InflateFormat {
  Compression compression;
  int window_bits;
};
constexpr InflateFormat kInflateFormats[] = {{Compression::kZlib, kZlibWindow},
                                             {Compression::kDeflate, kDeflateWindow},
                                             {Compression::kGzip, kGzipWindow}};
constexpr size_t kWriteSizes[] = {1, 2, 3, 5, 7, 8, 9, 13, 64, 777, 4096, 65536, 1 << 30};

// The inflater reads ahead of what it decodes; where the stream ended must not depend
// on how the input was split.
TEST(DecompressorTest, StreamEndIsExactForEveryWriteSize) {
  const std::string original = SampleText(100'000, 4);
  for (const auto& [compression, window_bits] : kInflateFormats) {
    const std::string compressed = Deflate(original, window_bits);
    for (size_t piece : kWriteSizes) {
      Decoded decoded = Decode(compression, compressed + "JUNK!", piece);
      EXPECT_EQ(decoded.status.message(), "unexpected 5 bytes after the end of the " +
                                              std::string(CompressionName(compression)) +
                                              " stream (it ended at byte " +
                                              std::to_string(compressed.size()) + ")")
          << piece;
      EXPECT_TRUE(decoded.output == original) << CompressionName(compression) << " " << piece;
    }
  }
}

// ZLIB ends with the Adler-32 of the data, GZIP with its CRC-32 and length: a change to
// any of them fails the stream at the end of that field, however it is split.
TEST(DecompressorTest, CorruptTrailerIsDataLoss) {
  const std::string original = SampleText(300'000, 6);
  const struct {
    Compression compression;
    int window_bits;
    size_t from_end;  // the byte changed, counted from the end
    size_t field_end_from_end;
    std::string reason;
  } cases[] = {
      {Compression::kZlib, kZlibWindow, 4, 0, "incorrect data check"},
      {Compression::kZlib, kZlibWindow, 1, 0, "incorrect data check"},
      {Compression::kGzip, kGzipWindow, 8, 4, "incorrect data check"},
      {Compression::kGzip, kGzipWindow, 5, 4, "incorrect data check"},
      {Compression::kGzip, kGzipWindow, 4, 0, "incorrect length check"},
      {Compression::kGzip, kGzipWindow, 1, 0, "incorrect length check"},
  };
  for (const auto& c : cases) {
    std::string corrupt = Deflate(original, c.window_bits);
    corrupt[corrupt.size() - c.from_end] ^= 0x01;
    for (size_t piece : {size_t{1}, size_t{777}, size_t{1} << 30}) {
      Decoded decoded = Decode(c.compression, corrupt, piece);
      EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss);
      EXPECT_EQ(decoded.status.message(),
                std::string(CompressionName(c.compression)) + " data corrupt at byte " +
                    std::to_string(corrupt.size() - c.field_end_from_end) + ": " + c.reason)
          << c.from_end << " " << piece;
      EXPECT_TRUE(original.starts_with(decoded.output));
    }
  }
}

// A gzip member whose header has every optional field (RFC 1952 FEXTRA, FNAME,
// FCOMMENT, FHCRC), as some tools write them.
std::string GzipWithAllHeaderFields(std::string_view data, bool break_header_crc = false) {
  std::string header("\x1f\x8b\x08\x1e\x00\x00\x00\x00\x00\x03", 10);
  header += std::string("\x05\x00xtra!", 7);
  header += std::string("page.html\0", 10);
  header += std::string("a comment\0", 10);
  const uLong header_crc =
      crc32(0, reinterpret_cast<const Bytef*>(header.data()), static_cast<uInt>(header.size()));
  header += static_cast<char>(header_crc & 0xff);
  header += static_cast<char>(((header_crc >> 8) & 0xff) ^ (break_header_crc ? 1 : 0));
  const uLong data_crc =
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  std::string trailer;
  for (uint32_t word : {static_cast<uint32_t>(data_crc), static_cast<uint32_t>(data.size())}) {
    for (int i = 0; i < 4; ++i) trailer += static_cast<char>((word >> (8 * i)) & 0xff);
  }
  return header + Deflate(data, kDeflateWindow) + trailer;
}

TEST(DecompressorTest, GzipOptionalHeaderFieldsAreSkipped) {
  const std::string original = SampleText(50'000, 8);
  const std::string gzip = GzipWithAllHeaderFields(original);
  for (size_t piece : {size_t{1}, size_t{7}, gzip.size()}) {
    Decoded decoded = Decode(Compression::kGzip, gzip + gzip, piece);
    ASSERT_TRUE(decoded.status.ok()) << decoded.status.ToString();
    EXPECT_TRUE(decoded.output == original + original) << piece;
  }
  // 10 fixed bytes, 7 of extra field, 10 of name, 10 of comment, then the CRC16.
  Decoded bad = Decode(Compression::kGzip, GzipWithAllHeaderFields(original, true), 3);
  EXPECT_EQ(bad.status.message(), "GZIP data corrupt at byte 39: header crc mismatch");
}

// Bad headers are refused in zlib's words, at the byte where zlib stops.
TEST(DecompressorTest, HeaderErrorsNameTheFaultAndOffset) {
  const std::string body = Deflate("x", kDeflateWindow);
  const struct {
    Compression compression;
    std::string input;
    std::string message;
  } cases[] = {
      {Compression::kGzip, std::string("\x1f\x8c\x08\x00", 4) + body,
       "GZIP data corrupt at byte 2: incorrect header check"},
      {Compression::kGzip, std::string("\x1f\x8b\x07\x00", 4) + body,
       "GZIP data corrupt at byte 4: unknown compression method"},
      {Compression::kGzip, std::string("\x1f\x8b\x08\x20", 4) + body,
       "GZIP data corrupt at byte 4: unknown header flags set"},
      // CINFO 8: a 64 KiB window, beyond deflate's 32 KiB.
      {Compression::kZlib, std::string("\x88\x1c", 2) + body,
       "ZLIB data corrupt at byte 2: invalid window size"},
      {Compression::kZlib, std::string("\x77\x09", 2) + body,
       "ZLIB data corrupt at byte 2: unknown compression method"},
      {Compression::kZlib, std::string("\x78\xbb\x01\x02\x03\x04", 6) + body,
       "ZLIB data at byte 6 needs a preset dictionary, which is not supported"},
  };
  for (const auto& c : cases) {
    for (size_t piece : {size_t{1}, c.input.size()}) {
      Decoded decoded = Decode(c.compression, c.input, piece);
      EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss) << c.message;
      EXPECT_EQ(decoded.status.message(), c.message);
    }
  }
}

// zlib's inflate, in one call: the reference the decompressor must agree with.
Decoded ZlibReference(std::string_view input, int window_bits) {
  Decoded result;
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, window_bits), Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  std::vector<char> buffer(1 << 16);
  int code = Z_OK;
  while (code == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
    stream.avail_out = static_cast<uInt>(buffer.size());
    code = inflate(&stream, Z_NO_FLUSH);
    result.output.append(buffer.data(), buffer.size() - stream.avail_out);
  }
  inflateEnd(&stream);
  if (code != Z_STREAM_END || stream.avail_in != 0) result.status = base::DataLoss("zlib refused");
  return result;
}

// Random damage, decoded in random write sizes: accepted exactly when zlib accepts it,
// with zlib's output, and refused as DataLoss otherwise.
TEST(DecompressorTest, AgreesWithZlibOnDamagedStreams) {
  const std::string original = SampleText(20'000, 10);
  std::mt19937 random(12);
  for (const auto& [compression, window_bits] : kInflateFormats) {
    const std::string good = Deflate(original, window_bits);
    int accepted = 0;
    for (int trial = 0; trial < 300; ++trial) {
      std::string damaged = good;
      for (uint32_t flips = 1 + random() % 3; flips > 0; --flips) {
        damaged[random() % damaged.size()] ^= static_cast<char>(1 + random() % 255);
      }
      const size_t piece = kWriteSizes[random() % std::size(kWriteSizes)];
      Decoded decoded = Decode(compression, damaged, piece);
      Decoded reference = ZlibReference(damaged, window_bits);
      ASSERT_EQ(decoded.status.ok(), reference.status.ok())
          << CompressionName(compression) << " trial " << trial << ": "
          << decoded.status.ToString();
      if (decoded.status.ok()) {
        ++accepted;
        EXPECT_TRUE(decoded.output == reference.output) << trial;
      } else {
        EXPECT_EQ(decoded.status.code(), base::StatusCode::kDataLoss) << decoded.status.message();
      }
    }
    // Only raw DEFLATE, which has no checksum, lets damage through.
    if (compression != Compression::kDeflate) {
      EXPECT_EQ(accepted, 0);
    }
  }
}

TEST(DecompressorTest, LzmaDictionaryBeyondTheMemoryLimitIsRefused) {
  // A .lzma header: properties byte, 1 GiB dictionary, unknown uncompressed size.
  const std::string header("\x5d\x00\x00\x00\x40\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00", 15);
  Decoded decoded = Decode(Compression::kLzma, header);
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kResourceExhausted);
  EXPECT_NE(decoded.status.message().find("more than the limit of 256 MiB"), std::string::npos)
      << decoded.status.message();
}

// 200 MB of zeros compress to about 200 KB; with a 10 MB cap the decompressor must
// stop after 10 MB and never hand more to the sink.
TEST(DecompressorTest, BombStopsAtTheCap) {
  const std::string zeros(1 << 20, '\0');
  const std::string bomb = DeflateRepeated(zeros, 200, kZlibWindow, 9);
  ASSERT_LT(bomb.size(), 1u << 20);
  constexpr uint64_t kCap = 10'000'000;
  uint64_t received = 0;
  auto decompressor = MakeDecompressor(Compression::kZlib, kCap, [&](std::string_view chunk) {
    received += chunk.size();
    return base::Status::Ok();
  });
  base::Status status = decompressor->Write(bomb);
  EXPECT_EQ(status.code(), base::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "decompressed size exceeds the limit of 10000000 bytes (decompression bomb?)");
  EXPECT_LE(received, kCap);
  EXPECT_GT(received, kCap - Decompressor::kMaxOutputChunkBytes);
  EXPECT_EQ(decompressor->bytes_out(), received);
  EXPECT_EQ(decompressor->Finish().code(), base::StatusCode::kResourceExhausted);
}

// Past kRatioGraceBytes, output over 1000 times the input consumed is a bomb, whatever
// the absolute cap: 64 MiB of zeros stop soon after 16 MiB.
TEST(DecompressorTest, BombStopsAtTheExpansionRatio) {
  const std::string zeros(1 << 20, '\0');
  for (const auto& [name, compression, bomb] :
       {std::tuple{"deflate", Compression::kDeflate, DeflateRepeated(zeros, 64, kDeflateWindow)},
        std::tuple{"gzip", Compression::kGzip, DeflateRepeated(zeros, 64, kGzipWindow)},
        std::tuple{"xz", Compression::kLzma, XzCompress(std::string(64 << 20, '\0'))}}) {
    Decoded decoded = Decode(compression, bomb, 4096);
    EXPECT_EQ(decoded.status.code(), base::StatusCode::kResourceExhausted) << name;
    EXPECT_NE(decoded.status.message().find("more than 1000 times larger (decompression bomb?)"),
              std::string::npos)
        << name << ": " << decoded.status.message();
    EXPECT_GT(decoded.output.size(), kRatioGraceBytes - Decompressor::kMaxOutputChunkBytes) << name;
    EXPECT_LE(decoded.output.size(), kRatioGraceBytes + (4u << 20)) << name;
  }
}

// Highly compressible but not degenerate: about 100:1 passes in full.
TEST(DecompressorTest, CompressibleDataBelowTheRatioPasses) {
  std::mt19937 random(3);
  std::string data;
  while (data.size() < (24u << 20)) {
    data.append(2000, ' ');
    data += static_cast<char>('a' + random() % 26);
    data += static_cast<char>('a' + random() % 26);
  }
  const std::string compressed = Deflate(data, kZlibWindow);
  ASSERT_GT(compressed.size(), data.size() / kMaxExpansionRatio);
  Decoded decoded = Decode(Compression::kZlib, compressed);
  ASSERT_TRUE(decoded.status.ok()) << decoded.status.ToString();
  EXPECT_EQ(decoded.output, data);
}

TEST(DecompressorTest, LzmaBombStopsAtTheCap) {
  const std::string zeros(1 << 20, '\0');
  const std::string bomb = LzmaAloneCompressRepeated(zeros, 40);
  Decoded decoded = Decode(Compression::kLzma, bomb, 1 << 20, 3'000'000);
  EXPECT_EQ(decoded.status.code(), base::StatusCode::kResourceExhausted);
  EXPECT_LE(decoded.output.size(), 3'000'000u);
}

// Memory must not grow with the stream: 128 MB of output (128 gzip members) pass
// through while the heap stays within a small constant of where it started.
TEST(DecompressorTest, HeapDoesNotGrowWithOutputSize) {
  const std::string text = SampleText(1 << 20, 9);
  const std::string member = Deflate(text, kGzipWindow);
  std::string compressed;
  for (int i = 0; i < 128; ++i) compressed += member;
  const size_t heap_before = HeapInUse();
  size_t peak_growth = 0;
  uint64_t received = 0;
  auto decompressor = MakeDecompressor(Compression::kGzip, 1ull << 40, [&](std::string_view c) {
    received += c.size();
    const size_t heap_now = HeapInUse();
    peak_growth = std::max(peak_growth, heap_now > heap_before ? heap_now - heap_before : 0);
    return base::Status::Ok();
  });
  for (size_t at = 0; at < compressed.size(); at += 65536) {
    ASSERT_TRUE(decompressor->Write(std::string_view(compressed).substr(at, 65536)).ok());
  }
  ASSERT_TRUE(decompressor->Finish().ok());
  EXPECT_EQ(received, 128ull * text.size());
  EXPECT_LT(peak_growth, 2u << 20);
}

// A ReadFn over `data` that hands out at most `step` bytes per call.
ReadFn ReaderOf(const std::string& data, size_t step) {
  auto offset = std::make_shared<size_t>(0);
  return [&data, step, offset](char* buffer, size_t size) -> base::Result<size_t> {
    size_t n = std::min({step, size, data.size() - *offset});
    std::memcpy(buffer, data.data() + *offset, n);
    *offset += n;
    return n;
  };
}

TEST(DecompressSniffedTest, TakesGzipZlibAndPlainBytesByTheirFirstBytes) {
  const std::string json = R"({"addOrUpdate":[]})";
  for (const std::string& stored : {Deflate(json, kGzipWindow), Deflate(json, kZlibWindow), json}) {
    std::string out;
    auto read = DecompressSniffed(ReaderOf(stored, 3), 1 << 20, [&](std::string_view chunk) {
      out.append(chunk);
      return base::Status::Ok();
    });
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, stored.size());
    EXPECT_EQ(out, json);
  }
}

TEST(DecompressSniffedTest, AnEmptyStreamReachesTheSinkAsNothing) {
  const std::string empty;
  bool called = false;
  auto read = DecompressSniffed(ReaderOf(empty, 8), 1 << 20, [&](std::string_view) {
    called = true;
    return base::Status::Ok();
  });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, 0u);
  EXPECT_FALSE(called);
}

TEST(DecompressSniffedTest, KeepsTheCapAndReportsATruncatedStream) {
  const std::string big = Deflate(std::string(10000, 'x'), kGzipWindow);
  auto sink = [](std::string_view) { return base::Status::Ok(); };
  EXPECT_EQ(DecompressSniffed(ReaderOf(big, 512), 100, sink).status().code(),
            base::StatusCode::kResourceExhausted);
  const std::string truncated = big.substr(0, big.size() - 4);
  EXPECT_EQ(DecompressSniffed(ReaderOf(truncated, 512), 1 << 20, sink).status().code(),
            base::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace sluice::codec
