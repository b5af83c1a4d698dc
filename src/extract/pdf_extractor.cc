#include "extract/pdf_extractor.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "extract/text_builder.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

namespace sluice::extract::internal {
namespace {

constexpr size_t kMaxTitleBytes = 1000;  // as for HTML titles
constexpr size_t kMaxFieldBytes = 4000;
constexpr size_t kMaxErrorsKept = 3;
constexpr size_t kMaxErrorBytes = 200;

// What poppler complained about while one document was read.
struct PopplerErrors {
  size_t count = 0;
  std::vector<std::string> first;  // the first distinct ones, up to kMaxErrorsKept

  void Add(std::string_view message) {
    ++count;
    // "error (1234): Invalid XRef entry 3<0a>": poppler's prefix and its escaped newline go.
    if (const size_t colon = message.find(": ");
        message.starts_with("error") && colon != message.npos) {
      message.remove_prefix(colon + 2);
    }
    while (message.ends_with("<0a>")) message.remove_suffix(4);
    TextBuilder clean(kMaxErrorBytes);
    clean.Append(message);
    std::string text = clean.Finish();
    if (first.size() < kMaxErrorsKept &&
        std::find(first.begin(), first.end(), text) == first.end()) {
      first.push_back(std::move(text));
    }
  }

  // "Couldn't find trailer dictionary; Couldn't read xref table"
  std::string Summary() const {
    std::string out;
    for (const auto& message : first) {
      if (!out.empty()) out += "; ";
      out += message;
    }
    return out.empty() ? "poppler gave no reason" : out;
  }
};

// poppler reports problems through one process-wide callback, printing them on stderr unless
// told otherwise. Each thread reading a document points this at its own PopplerErrors, so that
// documents read on several threads neither print nor mix their messages.
PopplerErrors*& CurrentErrors() {
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): one per thread, above
  thread_local PopplerErrors* current = nullptr;
  return current;
}

void CollectPopplerError(const std::string& message, void* /*closure*/) {
  if (PopplerErrors* errors = CurrentErrors(); errors != nullptr) errors->Add(message);
}

// Collects poppler's messages on this thread while it lives.
class PopplerErrorScope {
 public:
  explicit PopplerErrorScope(PopplerErrors* errors) {
    static std::once_flag installed;
    std::call_once(installed,
                   [] { poppler::set_debug_error_function(CollectPopplerError, nullptr); });
    CurrentErrors() = errors;
  }
  ~PopplerErrorScope() { CurrentErrors() = nullptr; }
  PopplerErrorScope(const PopplerErrorScope&) = delete;
  PopplerErrorScope& operator=(const PopplerErrorScope&) = delete;
};

// poppler-cpp hands out UTF-16; TextBuilder takes UTF-8 and repairs it (a lone surrogate
// becomes U+FFFD, since it is encoded here as it is and TextBuilder refuses surrogates).
void AppendUtf16(const poppler::ustring& text, TextBuilder& out) {
  std::string utf8;
  utf8.reserve(text.size() + text.size() / 2);
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t cp = text[i];
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.size() && text[i + 1] >= 0xdc00 &&
        text[i + 1] < 0xe000) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (text[i + 1] - 0xdc00);
      ++i;
    }
    if (cp < 0x80) {
      utf8 += static_cast<char>(cp);
    } else if (cp < 0x800) {
      utf8 += static_cast<char>(0xc0 | (cp >> 6));
      utf8 += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      utf8 += static_cast<char>(0xe0 | (cp >> 12));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      utf8 += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      utf8 += static_cast<char>(0xf0 | (cp >> 18));
      utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      utf8 += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  out.Append(utf8);
}

// An information dictionary entry as one line of valid UTF-8, capped.
std::string InfoText(const poppler::ustring& value, size_t max_bytes) {
  TextBuilder text(max_bytes);
  AppendUtf16(value, text);
  return text.Finish();
}

void AddTextField(ExtractedText& text, const char* name, const poppler::ustring& value) {
  std::string clean = InfoText(value, kMaxFieldBytes);
  if (!clean.empty()) text.fields.push_back({name, {std::move(clean)}});
}

// poppler gives dates as time_t (UTC, the PDF's time zone applied), -1 when absent or invalid.
void AddDateField(ExtractedText& text, const char* name, time_t when) {
  if (when == static_cast<time_t>(-1)) return;
  struct tm utc {};
  if (gmtime_r(&when, &utc) == nullptr) return;
  char iso[32];
  if (std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) return;
  text.fields.push_back({name, {iso}});
}

base::Result<ExtractedText> Extract(int fd, size_t max_body_bytes, const PopplerErrors& errors) {
  // poppler opens the file again by this name and reads it with pread as it needs it. Mapping
  // it for load_from_raw_data instead would count the whole file against the child's address
  // space limit (leaving a large file little room to be parsed) and stop at 2 GiB (an int).
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return base::ErrnoError("read the PDF at " + path, errno);
  if (st.st_size == 0) return base::InvalidArgument("not a readable PDF: the file is empty");

  std::unique_ptr<poppler::document> document(poppler::document::load_from_file(path));
  if (document == nullptr) {
    return base::InvalidArgument("not a readable PDF: " + errors.Summary());
  }
  // poppler has already tried the empty user password: a PDF encrypted only against changes
  // (printing, copying ...) opens normally.
  if (document->is_locked()) {
    return base::FailedPrecondition(
        "the PDF is encrypted and needs a password; Sluice cannot read its text");
  }

  ExtractedText text;
  text.file_type = "pdf";
  text.title = InfoText(document->get_title(), kMaxTitleBytes);
  AddTextField(text, "author", document->get_author());
  AddTextField(text, "subject", document->get_subject());
  AddTextField(text, "keywords", document->get_keywords());
  AddTextField(text, "creator", document->get_creator());
  AddDateField(text, "created", document->get_creation_date_t());
  AddDateField(text, "modified", document->get_modification_date_t());
  const int pages = document->pages();
  text.fields.push_back({"pagecount", {std::to_string(pages)}});

  TextBuilder body(max_body_bytes);
  for (int i = 0; i < pages && !body.truncated(); ++i) {
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (page == nullptr) continue;
    // Not physical_layout (the default), which keeps columns side by side and so interleaves
    // their lines: this is the reading order pdftotext gives.
    AppendUtf16(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout), body);
    body.Separate();  // the last word of a page and the first of the next stay apart
  }
  text.truncated = body.truncated();
  text.body = body.Finish();

  if (errors.count > 0) {
    text.warnings.push_back("the PDF is damaged (" + errors.Summary() + "; " +
                            std::to_string(errors.count) +
                            (errors.count == 1 ? " problem" : " problems in all") +
                            "): some of its text may be missing");
  }
  return text;
}

}  // namespace

base::Result<ExtractedText> ExtractPdf(int fd, size_t max_body_bytes) {
  PopplerErrors errors;
  PopplerErrorScope scope(&errors);
  try {
    return Extract(fd, max_body_bytes, errors);
  } catch (const std::bad_alloc&) {
    return base::ResourceExhausted("not enough memory to read the PDF");
  } catch (const std::exception& e) {
    return base::InvalidArgument(std::string("not a readable PDF: ") + e.what());
  }
}

}  // namespace sluice::extract::internal
