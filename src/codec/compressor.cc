#include "codec/compressor.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <lzma.h>

#include <isa-l/igzip_lib.h>

namespace sluice::codec {
namespace {

// Input is handed to the libraries in pieces of at most this size (ISA-L counts input in 32
// bits), and output is collected in a buffer of kOutputBufferBytes before it is appended.
constexpr size_t kInputChunkBytes = size_t{1} << 20;
constexpr size_t kOutputBufferBytes = size_t{64} << 10;

// The .lzma preset: 1 (1 MiB dictionary, about 10 MiB of encoder memory). On HTML it runs at
// about 12 MB/s against 16 MB/s for preset 0, whose output is 15% larger; preset 2 takes 70%
// longer for 7% less. Incompressible bytes go through LZMA at only 1-2 MB/s whatever the preset.
constexpr uint32_t kLzmaPreset = 1;

// Makes failures sticky, refuses use after Finish and splits input into bounded chunks;
// subclasses only compress.
class CompressorBase : public Compressor {
 public:
  base::Status Update(std::string_view input, std::string* out) final {
    if (!failure_.ok()) return failure_;
    if (finished_) return base::FailedPrecondition("compressor: Update after Finish");
    while (!input.empty()) {
      const std::string_view chunk = input.substr(0, kInputChunkBytes);
      failure_ = Compress(chunk, out);
      if (!failure_.ok()) return failure_;
      input.remove_prefix(chunk.size());
    }
    return base::Status::Ok();
  }

  base::Status Finish(std::string* out) final {
    if (!failure_.ok()) return failure_;
    if (finished_) return base::FailedPrecondition("compressor: Finish called twice");
    finished_ = true;
    failure_ = End(out);
    return failure_;
  }

 protected:
  // Compresses all of input (at most kInputChunkBytes), appending ready output to *out.
  virtual base::Status Compress(std::string_view input, std::string* out) = 0;
  // Flushes what is buffered and writes the trailer.
  virtual base::Status End(std::string* out) = 0;

 private:
  base::Status failure_;
  bool finished_ = false;
};

class CopyCompressor final : public CompressorBase {
 private:
  base::Status Compress(std::string_view input, std::string* out) override {
    out->append(input);
    return base::Status::Ok();
  }
  base::Status End(std::string* /*out*/) override { return base::Status::Ok(); }
};

uint16_t IsalWrapper(Compression compression) {
  switch (compression) {
    case Compression::kZlib:
      return IGZIP_ZLIB;
    case Compression::kGzip:
      return IGZIP_GZIP;
    default:
      return IGZIP_DEFLATE;
  }
}

// ISA-L's level 1 rather than 0: on 50 MB of HTML both run at about 600 MB/s (the difference
// is within run-to-run noise), and level 1's output is 5% smaller (18.6% of the input against
// 19.6%; zlib -1 gives 19.3%). Levels 2 and 3 are 20% and 75% slower for 1-7% less output.
// Level 1 needs a work buffer; ISA-L's default size (276 KiB) compresses as well as larger ones.
class IsalCompressor final : public CompressorBase {
 public:
  explicit IsalCompressor(Compression compression)
      : stream_(std::make_unique<isal_zstream>()),  // about 80 KiB, too large for the stack
        level_buffer_(ISAL_DEF_LVL1_DEFAULT),
        buffer_(kOutputBufferBytes) {
    isal_deflate_init(stream_.get());
    stream_->level = 1;
    stream_->level_buf = level_buffer_.data();
    stream_->level_buf_size = static_cast<uint32_t>(level_buffer_.size());
    stream_->gzip_flag = IsalWrapper(compression);
    stream_->flush = NO_FLUSH;
  }

 private:
  base::Status Compress(std::string_view input, std::string* out) override {
    return Deflate(input, /*end_of_stream=*/false, out);
  }
  base::Status End(std::string* out) override { return Deflate({}, /*end_of_stream=*/true, out); }

  // Runs isal_deflate until it has taken all of input and has no output left to give (or, at
  // the end of the stream, has written the trailer).
  base::Status Deflate(std::string_view input, bool end_of_stream, std::string* out) {
    isal_zstream& stream = *stream_;
    stream.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));
    stream.avail_in = static_cast<uint32_t>(input.size());
    stream.end_of_stream = end_of_stream ? 1 : 0;
    for (;;) {
      const uint32_t avail_in_before = stream.avail_in;
      const int state_before = stream.internal_state.state;
      stream.next_out = buffer_.data();
      stream.avail_out = static_cast<uint32_t>(buffer_.size());
      const int code = isal_deflate(&stream);
      if (code != COMP_OK) {
        return base::Internal("isal_deflate failed with code " + std::to_string(code));
      }
      const size_t produced = buffer_.size() - stream.avail_out;
      out->append(reinterpret_cast<const char*>(buffer_.data()), produced);
      const bool done = end_of_stream ? stream.internal_state.state == ZSTATE_END
                                      : stream.avail_in == 0 && stream.avail_out != 0;
      if (done) return base::Status::Ok();
      // With an empty output buffer every call must move; stop rather than spin if one doesn't.
      if (produced == 0 && stream.avail_in == avail_in_before &&
          stream.internal_state.state == state_before) {
        return base::Internal("isal_deflate made no progress (state " +
                              std::to_string(state_before) + ")");
      }
    }
  }

  std::unique_ptr<isal_zstream> stream_;
  std::vector<uint8_t> level_buffer_;
  std::vector<uint8_t> buffer_;
};

// Writes the legacy .lzma format (13-byte header, no integrity check); Sluice's decoder reads
// it as well as xz.
class LzmaCompressor final : public CompressorBase {
 public:
  LzmaCompressor() : buffer_(kOutputBufferBytes) {
    lzma_options_lzma options;
    if (lzma_lzma_preset(&options, kLzmaPreset)) {
      init_ = base::Internal("lzma_lzma_preset refused preset " + std::to_string(kLzmaPreset));
      return;
    }
    init_ = LzmaStatus("lzma_alone_encoder", lzma_alone_encoder(&stream_, &options));
  }
  ~LzmaCompressor() override { lzma_end(&stream_); }
  LzmaCompressor(const LzmaCompressor&) = delete;
  LzmaCompressor& operator=(const LzmaCompressor&) = delete;

 private:
  static base::Status LzmaStatus(std::string_view what, lzma_ret code) {
    if (code == LZMA_OK || code == LZMA_STREAM_END) return base::Status::Ok();
    return base::Internal(std::string(what) + " failed with code " +
                          std::to_string(static_cast<int>(code)));
  }

  base::Status Compress(std::string_view input, std::string* out) override {
    return Code(input, LZMA_RUN, out);
  }
  base::Status End(std::string* out) override { return Code({}, LZMA_FINISH, out); }

  // Runs lzma_code until it has taken all of input and has no output left to give (or, with
  // LZMA_FINISH, has ended the stream).
  base::Status Code(std::string_view input, lzma_action action, std::string* out) {
    // The encoder is set up in the constructor, which cannot fail; its failure shows here.
    if (!init_.ok()) return init_;
    stream_.next_in = reinterpret_cast<const uint8_t*>(input.data());
    stream_.avail_in = input.size();
    for (;;) {
      stream_.next_out = buffer_.data();
      stream_.avail_out = buffer_.size();
      const lzma_ret code = lzma_code(&stream_, action);
      SLUICE_RETURN_IF_ERROR(LzmaStatus("lzma_code", code));
      out->append(reinterpret_cast<const char*>(buffer_.data()),
                  buffer_.size() - stream_.avail_out);
      const bool done = action == LZMA_FINISH ? code == LZMA_STREAM_END
                                              : stream_.avail_in == 0 && stream_.avail_out != 0;
      if (done) return base::Status::Ok();
    }
  }

  lzma_stream stream_ = LZMA_STREAM_INIT;
  base::Status init_;
  std::vector<uint8_t> buffer_;
};

}  // namespace

std::unique_ptr<Compressor> MakeCompressor(Compression compression) {
  switch (compression) {
    case Compression::kZlib:
    case Compression::kGzip:
    case Compression::kDeflate:
      return std::make_unique<IsalCompressor>(compression);
    case Compression::kLzma:
      return std::make_unique<LzmaCompressor>();
    case Compression::kUncompressed:
      break;
  }
  return std::make_unique<CopyCompressor>();
}

}  // namespace sluice::codec
