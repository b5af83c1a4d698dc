#include "extract/plain_text_extractor.h"

#include <utility>

#include "extract/text_builder.h"

namespace sluice::extract::internal {
namespace {

class PlainTextExtractor final : public Extractor {
 public:
  PlainTextExtractor(std::string file_type, size_t max_body_bytes)
      : file_type_(std::move(file_type)), body_(max_body_bytes) {}

  base::Status Write(std::string_view bytes) override {
    if (finished_) return base::FailedPrecondition("text extractor: Write after Finish");
    body_.Append(bytes);  // a no-op once the cap is reached
    return base::Status::Ok();
  }

  base::Result<ExtractedText> Finish() override {
    if (finished_) return base::FailedPrecondition("text extractor: Finish called twice");
    finished_ = true;
    ExtractedText text;
    text.body = body_.Finish();
    text.truncated = body_.truncated();
    text.file_type = std::move(file_type_);
    return text;
  }

 private:
  std::string file_type_;
  TextBuilder body_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Extractor> MakePlainTextExtractor(std::string file_type, size_t max_body_bytes) {
  return std::make_unique<PlainTextExtractor>(std::move(file_type), max_body_bytes);
}

}  // namespace sluice::extract::internal
