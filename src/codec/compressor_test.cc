#include "codec/compressor.h"

#include <malloc.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <lzma.h>
#include <zlib.h>

#include "codec/decompressor.h"

namespace sluice::codec {
namespace {

constexpr Compression kAllCompressions[] = {Compression::kUncompressed, Compression::kZlib,
                                            Compression::kGzip, Compression::kDeflate,
                                            Compression::kLzma};

std::string TestName(Compression compression) {
  std::string name(CompressionName(compression));
  std::transform(name.begin() + 1, name.end(), name.begin() + 1,
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

// HTML-like text: words, markup, numbers and a few multi-byte characters.
std::string SampleHtml(size_t size, uint32_t seed) {
  static constexpr std::string_view kWords[] = {"sluice",   "push",
                                                "index",    "<p>",
                                                "</p>",     "<a href=\"/doc/item\">",
                                                "</a>",     "source",
                                                "ordering", "<li class=\"entry\">",
                                                "blob",     "é",
                                                "文書",     "the",
                                                "of",       "and"};
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

// About `size` bytes alternating runs of text (up to 200 KiB) and of random bytes (up to 50 KiB),
// so that the compressors switch between compressible and incompressible data mid-stream.
std::string MixedData(size_t size) {
  std::mt19937 random(1234);
  std::string data;
  data.reserve(size);
  bool text = true;
  while (data.size() < size) {
    const size_t longest = text ? 200 << 10 : 50 << 10;
    const size_t run = std::min<size_t>(1 + random() % longest, size - data.size());
    if (text) {
      data += SampleHtml(run, random());
    } else {
      for (size_t i = 0; i < run; ++i) data.push_back(static_cast<char>(random() & 0xff));
    }
    text = !text;
  }
  return data;
}

// Compresses data handed over in pieces of `piece` bytes (the last one may be shorter).
base::Result<std::string> Compress(Compression compression, std::string_view data, size_t piece) {
  auto compressor = MakeCompressor(compression);
  std::string out;
  for (size_t at = 0; at < data.size(); at += piece) {
    SLUICE_RETURN_IF_ERROR(compressor->Update(data.substr(at, piece), &out));
  }
  SLUICE_RETURN_IF_ERROR(compressor->Finish(&out));
  return out;
}

// Decodes with Sluice's own Decompressor, as the server will.
base::Result<std::string> DecompressWithSluice(Compression compression, std::string_view data,
                                               uint64_t max_output_bytes) {
  std::string out;
  auto decompressor = MakeDecompressor(compression, max_output_bytes, [&](std::string_view c) {
    out.append(c);
    return base::Status::Ok();
  });
  SLUICE_RETURN_IF_ERROR(decompressor->Write(data));
  SLUICE_RETURN_IF_ERROR(decompressor->Finish());
  return out;
}

// Decodes ZLIB with zlib's one-shot uncompress, which also checks the Adler-32 trailer.
std::string ZlibUncompress(std::string_view data, size_t expected_size) {
  std::vector<Bytef> out(expected_size + 1);
  uLongf out_size = out.size();
  const int code = uncompress(out.data(), &out_size, reinterpret_cast<const Bytef*>(data.data()),
                              static_cast<uLong>(data.size()));
  EXPECT_EQ(code, Z_OK);
  return {reinterpret_cast<const char*>(out.data()), out_size};
}

// Decodes GZIP (window_bits 16 + 15) or DEFLATE (-15) with zlib's inflate and expects the stream
// to end exactly at the end of data.
std::string ZlibInflate(std::string_view data, int window_bits, size_t expected_size) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, window_bits), Z_OK);
  std::vector<Bytef> out(expected_size + 1);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END) << (stream.msg ? stream.msg : "");
  EXPECT_EQ(stream.avail_in, 0u);
  std::string result(reinterpret_cast<const char*>(out.data()), stream.total_out);
  inflateEnd(&stream);
  return result;
}

// Decodes with liblzma's .lzma-only decoder, which refuses xz, so the format is checked too.
std::string LzmaAloneDecode(std::string_view data, size_t expected_size) {
  lzma_stream stream = LZMA_STREAM_INIT;
  EXPECT_EQ(lzma_alone_decoder(&stream, UINT64_MAX), LZMA_OK);
  std::vector<uint8_t> out(expected_size + 1);
  stream.next_in = reinterpret_cast<const uint8_t*>(data.data());
  stream.avail_in = data.size();
  stream.next_out = out.data();
  stream.avail_out = out.size();
  EXPECT_EQ(lzma_code(&stream, LZMA_FINISH), LZMA_STREAM_END);
  EXPECT_EQ(stream.avail_in, 0u);
  std::string result(reinterpret_cast<const char*>(out.data()), stream.total_out);
  lzma_end(&stream);
  return result;
}

// Decodes `compressed` with the reference library for its format.
std::string DecodeWithReference(Compression compression, std::string_view compressed,
                                size_t expected_size) {
  switch (compression) {
    case Compression::kZlib:
      return ZlibUncompress(compressed, expected_size);
    case Compression::kGzip:
      return ZlibInflate(compressed, 16 + 15, expected_size);
    case Compression::kDeflate:
      return ZlibInflate(compressed, -15, expected_size);
    case Compression::kLzma:
      return LzmaAloneDecode(compressed, expected_size);
    case Compression::kUncompressed:
      break;
  }
  return std::string(compressed);
}

void ExpectRoundTrip(Compression compression, std::string_view original, size_t piece) {
  auto compressed = Compress(compression, original, piece);
  ASSERT_TRUE(compressed.ok()) << compressed.status().ToString();
  if (compression == Compression::kUncompressed) {
    EXPECT_TRUE(*compressed == original);
  }

  auto decoded = DecompressWithSluice(compression, *compressed, original.size());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->size(), original.size());
  EXPECT_TRUE(*decoded == original) << "Sluice's decoder disagrees";

  const std::string reference = DecodeWithReference(compression, *compressed, original.size());
  EXPECT_EQ(reference.size(), original.size());
  EXPECT_TRUE(reference == original) << "the reference decoder disagrees";
}

class CompressorRoundTripTest
    : public testing::TestWithParam<std::tuple<Compression, size_t /*piece*/>> {};

INSTANTIATE_TEST_SUITE_P(AllCompressions, CompressorRoundTripTest,
                         testing::Combine(testing::ValuesIn(kAllCompressions),
                                          testing::Values(size_t{1}, size_t{7}, size_t{300} << 10)),
                         [](const auto& test) {
                           return TestName(std::get<0>(test.param)) + "In" +
                                  std::to_string(std::get<1>(test.param)) + "BytePieces";
                         });

TEST_P(CompressorRoundTripTest, EmptyInput) {
  ExpectRoundTrip(std::get<0>(GetParam()), "", std::get<1>(GetParam()));
}

TEST_P(CompressorRoundTripTest, SmallText) {
  ExpectRoundTrip(std::get<0>(GetParam()), "Hello, Sluice! <p>One small item, été.</p>\n",
                  std::get<1>(GetParam()));
}

TEST_P(CompressorRoundTripTest, TenMegabytesOfMixedTextAndRandomBytes) {
  // A byte at a time, the first MiB (several text and random runs) is enough to cross every
  // internal buffer boundary many times; ten would take most of a minute in a debug build.
  const size_t piece = std::get<1>(GetParam());
  const std::string data = MixedData(piece == 1 ? 1 << 20 : 10 << 20);
  ExpectRoundTrip(std::get<0>(GetParam()), data, piece);
}

TEST(CompressorTest, EmptyUpdatesChangeNothing) {
  const std::string text = SampleHtml(100'000, 5);
  for (Compression compression : kAllCompressions) {
    auto compressor = MakeCompressor(compression);
    std::string out;
    ASSERT_TRUE(compressor->Update("", &out).ok());
    ASSERT_TRUE(compressor->Update(text, &out).ok());
    ASSERT_TRUE(compressor->Update("", &out).ok());
    ASSERT_TRUE(compressor->Finish(&out).ok());
    auto decoded = DecompressWithSluice(compression, out, text.size());
    ASSERT_TRUE(decoded.ok()) << TestName(compression) << ": " << decoded.status().ToString();
    EXPECT_TRUE(*decoded == text) << TestName(compression);
  }
}

TEST(CompressorTest, TextShrinksAndRandomBytesBarelyGrow) {
  const std::string text = SampleHtml(4 << 20, 9);
  std::string random_bytes(4 << 20, '\0');
  std::mt19937 random(3);
  for (char& c : random_bytes) c = static_cast<char>(random() & 0xff);
  for (Compression compression : kAllCompressions) {
    if (compression == Compression::kUncompressed) continue;
    auto text_out = Compress(compression, text, 65536);
    auto random_out = Compress(compression, random_bytes, 65536);
    ASSERT_TRUE(text_out.ok() && random_out.ok()) << TestName(compression);
    EXPECT_LT(text_out->size(), text.size() * 4 / 10) << TestName(compression);
    // Stored blocks (deflate) or literals (LZMA) cost a few bytes per 64 KiB, not more.
    EXPECT_LT(random_out->size(), random_bytes.size() + random_bytes.size() / 50)
        << TestName(compression);
  }
}

TEST(CompressorTest, WritesTheExpectedHeaders) {
  auto zlib = Compress(Compression::kZlib, "abc", 3);
  ASSERT_TRUE(zlib.ok());
  ASSERT_GE(zlib->size(), 2u);
  const auto cmf = static_cast<unsigned char>((*zlib)[0]);
  const auto flg = static_cast<unsigned char>((*zlib)[1]);
  EXPECT_EQ(cmf & 0x0f, 8);              // deflate
  EXPECT_LE(cmf >> 4, 7);                // window of at most 32 KiB
  EXPECT_EQ((cmf * 256 + flg) % 31, 0);  // header check bits
  EXPECT_EQ(flg & 0x20, 0);              // no preset dictionary

  auto gzip = Compress(Compression::kGzip, "abc", 3);
  ASSERT_TRUE(gzip.ok());
  EXPECT_EQ(gzip->substr(0, 3), "\x1f\x8b\x08");

  // .lzma: properties byte (lc=3 lp=0 pb=2 is 0x5D for every preset), dictionary size, then an
  // unknown uncompressed size (all ones) because the stream length is not known in advance.
  auto lzma = Compress(Compression::kLzma, "abc", 3);
  ASSERT_TRUE(lzma.ok());
  ASSERT_GE(lzma->size(), 13u);
  EXPECT_EQ(static_cast<unsigned char>((*lzma)[0]), 0x5d);
  EXPECT_EQ(lzma->substr(5, 8), std::string(8, '\xff'));
}

TEST(CompressorTest, AppendsToWhatTheOutputAlreadyHolds) {
  for (Compression compression : kAllCompressions) {
    std::string out = "prefix";
    auto compressor = MakeCompressor(compression);
    ASSERT_TRUE(compressor->Update("some text to compress", &out).ok());
    ASSERT_TRUE(compressor->Finish(&out).ok());
    ASSERT_TRUE(out.starts_with("prefix")) << TestName(compression);
    auto decoded = DecompressWithSluice(compression, std::string_view(out).substr(6), 100);
    ASSERT_TRUE(decoded.ok()) << TestName(compression) << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, "some text to compress");
  }
}

TEST(CompressorTest, OutputIsProducedBeforeFinish) {
  // A client sends compressed bytes as they come; most of them must not wait for Finish.
  const std::string text = SampleHtml(8 << 20, 13);
  for (Compression compression : kAllCompressions) {
    auto compressor = MakeCompressor(compression);
    std::string out;
    for (size_t at = 0; at < text.size(); at += 300 << 10) {
      ASSERT_TRUE(compressor->Update(std::string_view(text).substr(at, 300 << 10), &out).ok());
    }
    const size_t before_finish = out.size();
    ASSERT_TRUE(compressor->Finish(&out).ok());
    EXPECT_GT(before_finish, out.size() * 3 / 4) << TestName(compression);
  }
}

TEST(CompressorTest, CallsAfterFinishAreRefused) {
  for (Compression compression : kAllCompressions) {
    auto compressor = MakeCompressor(compression);
    std::string out;
    ASSERT_TRUE(compressor->Update("data", &out).ok());
    ASSERT_TRUE(compressor->Finish(&out).ok());
    const std::string finished = out;
    const base::Status update = compressor->Update("more", &out);
    EXPECT_EQ(update.code(), base::StatusCode::kFailedPrecondition) << TestName(compression);
    const base::Status finish = compressor->Finish(&out);
    EXPECT_EQ(finish.code(), base::StatusCode::kFailedPrecondition) << TestName(compression);
    EXPECT_EQ(out, finished) << TestName(compression);
  }
}

// Bytes currently allocated by malloc, including blocks it took straight from mmap.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

TEST(CompressorTest, HeapDoesNotGrowWithStreamLength) {
  // A 2 MiB input (larger than the internal chunk size) handed over 25 times per stream.
  const std::string text = SampleHtml(1 << 20, 17) + SampleHtml(1 << 20, 18);
  for (Compression compression : kAllCompressions) {
    auto compressor = MakeCompressor(compression);
    std::string out;
    ASSERT_TRUE(compressor->Update(text, &out).ok());
    out.clear();  // keeps its capacity, which the output of one Update fits again
    const size_t heap_before = HeapInUse();
    size_t peak_growth = 0;
    for (int i = 0; i < 24; ++i) {
      ASSERT_TRUE(compressor->Update(text, &out).ok());
      out.clear();
      const size_t heap_now = HeapInUse();
      peak_growth = std::max(peak_growth, heap_now > heap_before ? heap_now - heap_before : 0);
    }
    ASSERT_TRUE(compressor->Finish(&out).ok());
    EXPECT_LT(peak_growth, 1u << 20) << TestName(compression);
  }
}

}  // namespace
}  // namespace sluice::codec
