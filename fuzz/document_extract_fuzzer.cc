// XML and e-mail extraction (extract/xml_extractor.h, extract/email_extractor.h): the first byte
// picks the format, the rest is the document. XML is written in pieces whose sizes come from a
// generator seeded by the input's hash; an e-mail is read from a memfd, its attachments handed
// to a callback that fails every third one.
// Properties: XML extraction never fails (a broken document keeps its text with a warning); an
// e-mail either extracts or fails with InvalidArgument; titles, bodies, field values and warnings
// are valid UTF-8; an e-mail has one child per attachment the callback saw, and a failed one
// carries a warning and no text.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/fs.h"
#include "extract/email_extractor.h"
#include "extract/extractor.h"
#include "extract/test_util.h"
#include "extract/xml_extractor.h"

namespace {

using sluice::extract::ExtractedText;
using sluice::extract::testing_util::IsValidUtf8;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "document_extract: property violated: %s\n", what);
  std::abort();
}

void CheckText(const ExtractedText& text) {
  Check(IsValidUtf8(text.title), "the title is not valid UTF-8");
  Check(IsValidUtf8(text.body), "the body is not valid UTF-8");
  for (const auto& [name, values] : text.fields) {
    for (const std::string& value : values) Check(IsValidUtf8(value), "a field is not UTF-8");
  }
  for (const std::string& warning : text.warnings) {
    Check(IsValidUtf8(warning), "a warning is not valid UTF-8");
  }
}

void FuzzXml(std::string_view document) {
  uint32_t state = 2166136261u;
  for (char c : document) state = (state ^ static_cast<uint8_t>(c)) * 16777619u;
  auto extractor = sluice::extract::internal::MakeXmlExtractor("xml", 1 << 20);
  Check(extractor.ok(), "no XML extractor");
  while (!document.empty()) {
    state = state * 1103515245u + 12345u;
    const size_t n = std::min<size_t>(document.size(), 1 + (state >> 16) % 4096);
    Check((*extractor)->Write(document.substr(0, n)).ok(), "an XML write failed");
    document.remove_prefix(n);
  }
  auto text = (*extractor)->Finish();
  Check(text.ok(), "XML extraction failed");
  CheckText(*text);
}

void FuzzEmail(std::string_view message) {
  sluice::base::UniqueFd fd(memfd_create("message", MFD_CLOEXEC));
  Check(fd.valid(), "memfd_create failed");
  Check(sluice::base::WriteAll(fd.get(), message.data(), message.size(), "message").ok(),
        "writing the memfd failed");
  size_t calls = 0;
  auto attachment = [&](std::string_view, std::string_view,
                        std::string_view) -> sluice::base::Result<ExtractedText> {
    if (++calls % 3 == 0) return sluice::base::InvalidArgument("refused by the fuzzer");
    ExtractedText text;
    text.body = "attachment " + std::to_string(calls);
    return text;
  };
  auto text = sluice::extract::internal::ExtractEmail(fd.get(), attachment, 1 << 20);
  if (!text.ok()) {
    Check(text.status().code() == sluice::base::StatusCode::kInvalidArgument,
          "an e-mail failed with a code other than InvalidArgument");
    return;
  }
  CheckText(*text);
  Check(text->children.size() == calls, "children and attachments differ in number");
  for (size_t i = 0; i < text->children.size(); ++i) {
    const auto& child = text->children[i];
    CheckText(child.text);
    if ((i + 1) % 3 == 0) {
      Check(child.text.body.empty() && !child.text.warnings.empty(),
            "a failed attachment has text or no warning");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    FuzzXml(input);
  } else {
    FuzzEmail(input);
  }
  return 0;
}
