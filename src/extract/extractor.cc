#include "extract/extractor.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "base/fs.h"
#include "extract/email_extractor.h"
#include "extract/html_extractor.h"
#include "extract/normalize.h"
#include "extract/plain_text_extractor.h"
#include "extract/sandbox.h"
#include "extract/sniffer.h"
#include "extract/text_builder.h"
#include "extract/xml_extractor.h"

namespace sluice::extract {
namespace {

using internal::kSniffBytes;

enum class Format { kHtml, kXml, kText, kPdf, kOffice, kEmail, kOther };

constexpr std::array<std::string_view, 4> kHtmlExtensions = {"html", "htm", "xhtml", "shtml"};
constexpr std::array<std::string_view, 8> kXmlExtensions = {"xml", "svg", "rss",  "atom",
                                                            "xsd", "xsl", "xslt", "kml"};
constexpr std::array<std::string_view, 52> kTextExtensions = {
    "txt",  "text",  "csv",  "tsv", "md",         "markdown", "json", "log",   "ini", "cfg", "conf",
    "yaml", "yml",   "toml", "rst", "tex",        "c",        "h",    "cc",    "cpp", "cxx", "hpp",
    "hh",   "java",  "py",   "js",  "mjs",        "ts",       "tsx",  "jsx",   "go",  "rs",  "rb",
    "php",  "pl",    "sh",   "sql", "css",        "scss",     "kt",   "swift", "cs",  "lua", "r",
    "m",    "scala", "vb",   "ps1", "properties", "bat",      "diff", "patch"};
constexpr std::array<std::string_view, 9> kOfficeExtensions = {
    "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "odt", "ods", "odp"};
// Binary types Sluice does not read: named so that their items are not taken for mislabelled.
constexpr std::array<std::string_view, 34> kOtherExtensions = {
    "jpg",  "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "ico", "heic", "mp3", "wav",
    "flac", "ogg",  "m4a", "aac", "mp4", "m4v", "mov",  "avi",  "mkv", "webm", "wmv", "zip",
    "gz",   "tgz",  "bz2", "xz",  "7z",  "rar", "tar",  "exe",  "dll", "iso"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ".HTML" -> "html": lower-case, without the leading dot.
std::string NormalizeExtension(std::string_view extension) {
  if (extension.starts_with('.')) extension.remove_prefix(1);
  std::string normalized(extension);
  for (char& c : normalized) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return normalized;
}

// The format an extension names, or nullopt for extensions Sluice does not know.
std::optional<Format> FormatOfExtension(std::string_view extension) {
  if (Contains(kHtmlExtensions, extension)) return Format::kHtml;
  if (Contains(kXmlExtensions, extension)) return Format::kXml;
  if (Contains(kTextExtensions, extension)) return Format::kText;
  if (extension == "pdf") return Format::kPdf;
  if (Contains(kOfficeExtensions, extension)) return Format::kOffice;
  if (extension == "eml") return Format::kEmail;
  if (Contains(kOtherExtensions, extension)) return Format::kOther;
  return std::nullopt;
}

// Formats whose files are text; between them the extension is trusted over libmagic, whose
// guesses about text are loose (a .txt quoting "<html>" is still text).
bool IsTextual(Format format) {
  return format == Format::kHtml || format == Format::kXml || format == Format::kText ||
         format == Format::kEmail;
}

// Text has no NUL bytes and at most one suspicious character in ten (invalid UTF-8,
// such as Latin-1 accents, or control characters).
bool LooksLikeText(std::string_view sample) {
  const internal::TextStats stats = internal::MeasureText(sample);
  if (stats.nul_bytes > 0) return false;
  return (stats.invalid_sequences + stats.control_bytes) * 10 <= sample.size();
}

// An HTML page, by its start: "<!DOCTYPE html" or "<html", after an optional UTF-8 byte
// order mark and white space, in any letter case.
bool LooksLikeHtml(std::string_view sample) {
  if (sample.starts_with("\xef\xbb\xbf")) sample.remove_prefix(3);
  while (!sample.empty() && (sample.front() == ' ' || sample.front() == '\t' ||
                             sample.front() == '\r' || sample.front() == '\n')) {
    sample.remove_prefix(1);
  }
  auto starts_with = [&](std::string_view prefix) {
    return sample.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), sample.begin(), [](char p, char c) {
             return p == (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
           });
  };
  return starts_with("<!doctype html") || starts_with("<html");
}

bool IsUtf16Bom(std::string_view sample) {
  return sample.starts_with("\xff\xfe") || sample.starts_with("\xfe\xff");
}

// `sample` after an optional UTF-8 byte order mark and leading white space.
std::string_view SkipBomAndBlanks(std::string_view sample) {
  if (sample.starts_with("\xef\xbb\xbf")) sample.remove_prefix(3);
  const size_t start = sample.find_first_not_of(" \t\r\n");
  return start == std::string_view::npos ? std::string_view() : sample.substr(start);
}

// An e-mail message: its first line is one of the header fields a message starts with.
bool LooksLikeEmail(std::string_view sample) {
  static constexpr std::array<std::string_view, 10> kFirstHeaders = {
      "received:", "return-path:", "from:",     "to:",           "subject:",
      "date:",     "message-id:",  "reply-to:", "delivered-to:", "mime-version:"};
  const std::string_view line = sample.substr(0, sample.find('\n'));
  return std::any_of(kFirstHeaders.begin(), kFirstHeaders.end(), [&](std::string_view header) {
    return line.size() > header.size() &&
           std::equal(header.begin(), header.end(), line.begin(), [](char h, char c) {
             return h == (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
           });
  });
}

// The MIME type of text content, told by Sluice itself: libmagic's text tests cost 1.3-6 ms an
// item (more than the rest of processing one), and text can only be one of these. A PDF whose
// first bytes are all text (uncompressed streams) is known by its header, which may follow up
// to 1 KiB of junk (not for content known to be text, `may_be_pdf` false).
std::string TextContentType(std::string_view sample, bool may_be_pdf) {
  if (may_be_pdf && sample.substr(0, 1024).find("%PDF-") != std::string_view::npos) {
    return "application/pdf";
  }
  if (LooksLikeHtml(sample)) return "text/html";
  if (SkipBomAndBlanks(sample).starts_with("<?xml")) return "text/xml";
  if (LooksLikeEmail(sample)) return "message/rfc822";
  return "text/plain";
}

// What the item's first bytes are: text is classified by TextContentType, anything else by
// libmagic (about 0.3 ms), unless `sniff` is false (the content is known to be text).
std::string ContentType(std::string_view sample, bool sniff) {
  if (sample.empty()) return "inode/x-empty";
  if (!sniff) return TextContentType(sample, /*may_be_pdf=*/false);
  if (IsUtf16Bom(sample) || LooksLikeText(sample)) {
    return TextContentType(sample, /*may_be_pdf=*/true);
  }
  return internal::SniffMimeType(sample);
}

// What the bytes are, from libmagic's MIME type and the sample itself; nullopt when neither
// can tell (libmagic's "application/octet-stream" for bytes that are not text either).
std::optional<Format> FormatOfContent(std::string_view mime, std::string_view sample) {
  if (mime == "application/pdf") return Format::kPdf;
  if (mime.starts_with("application/vnd.openxmlformats-officedocument.") ||
      mime.starts_with("application/vnd.oasis.opendocument.") || mime == "application/zip") {
    return Format::kOffice;  // a plain zip is tried as a package too; see FinishFormat
  }
  if (mime == "message/rfc822") return Format::kEmail;
  if (LooksLikeHtml(sample) || mime == "text/html") return Format::kHtml;
  if (mime == "text/xml" || mime == "application/xml" || mime.ends_with("+xml")) {
    return Format::kXml;
  }
  // UTF-16 text has NUL bytes; the HTML and text extractors both read it by its byte order mark.
  if (mime.starts_with("text/") || IsUtf16Bom(sample) || LooksLikeText(sample)) {
    return Format::kText;
  }
  if (mime == "application/octet-stream") return std::nullopt;
  return Format::kOther;  // a type libmagic names: image, audio, video, archive, executable ...
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kHtml:
      return "HTML";
    case Format::kXml:
      return "XML";
    case Format::kText:
      return "text";
    case Format::kPdf:
      return "PDF";
    case Format::kOffice:
      return "an Office document";
    case Format::kEmail:
      return "an e-mail message";
    case Format::kOther:
      return "binary data";
  }
  return "";
}

// "image/png" -> "png", "application/x-executable" -> "x-executable".
std::string FileTypeOfMime(std::string_view mime) {
  const size_t slash = mime.find('/');
  return std::string(slash == std::string_view::npos ? mime : mime.substr(slash + 1));
}

// An unnamed file in `dir` that disappears with its last descriptor.
base::Result<base::UniqueFd> OpenSpoolFile(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // A file system without O_TMPFILE: a named file, unlinked at once.
    std::string name = (dir / "sluice-spool-XXXXXX").string();
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(name.c_str());
  }
  if (fd < 0) return base::ErrnoError("create a spool file in " + dir.string(), errno);
  return base::UniqueFd(fd);
}

// Whole-file formats: the item's bytes go to an unnamed spool file; Finish reads them there.
class SpooledInput {
 public:
  base::Status Open(const ExtractOptions& options) {
    SLUICE_ASSIGN_OR_RETURN(file_, OpenSpoolFile(options.spool_dir));
    limit_ = options.max_spool_bytes;
    return base::Status::Ok();
  }
  base::Status Write(std::string_view bytes, Format format) {
    size_ += bytes.size();
    if (size_ > limit_) {
      return base::ResourceExhausted(std::string(FormatName(format)) + " larger than " +
                                     std::to_string(limit_ >> 20) +
                                     " MiB, the most Sluice reads as one file");
    }
    return base::WriteAll(file_.get(), bytes.data(), bytes.size(), "write the spool file");
  }
  int fd() const { return file_.get(); }

 private:
  base::UniqueFd file_;
  uint64_t size_ = 0;
  uint64_t limit_ = 0;
};

base::Result<std::unique_ptr<Extractor>> MakeExtractorAt(std::string_view file_extension,
                                                         const ExtractOptions& options, int depth);

// The extension an attachment is extracted as: its file name's, else its MIME type's.
std::string AttachmentExtension(std::string_view file_name, std::string_view content_type) {
  const size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < file_name.size()) {
    return std::string(file_name.substr(dot));
  }
  if (content_type == "message/rfc822") return ".eml";
  if (content_type == "text/html") return ".html";
  if (content_type == "application/pdf") return ".pdf";
  if (content_type.starts_with("text/")) return ".txt";
  return "";
}

// Buffers the first kSniffBytes, decides the format from them and the extension, then streams
// everything to the format's extractor (or to a spool file for whole-file formats).
class DispatchingExtractor final : public Extractor {
 public:
  DispatchingExtractor(std::string extension, const ExtractOptions& options, int depth)
      : extension_(std::move(extension)), options_(options), depth_(depth) {}

  base::Status Write(std::string_view bytes) override {
    if (!failure_.ok()) return failure_;
    if (decided_) return Forward(bytes);
    const size_t wanted = std::min(bytes.size(), kSniffBytes - sample_.size());
    sample_.append(bytes.substr(0, wanted));
    if (sample_.size() < kSniffBytes) return base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(Decide());
    return Forward(bytes.substr(wanted));
  }

  base::Result<ExtractedText> Finish() override {
    if (!failure_.ok()) return failure_;
    if (!decided_) SLUICE_RETURN_IF_ERROR(Decide());
    SLUICE_ASSIGN_OR_RETURN(ExtractedText text, FinishFormat());
    if (text.file_type.empty()) text.file_type = extension_.empty() ? "txt" : extension_;
    if (!mismatch_.empty()) text.warnings.insert(text.warnings.begin(), std::move(mismatch_));
    internal::NormalizeNfc(text.title);
    internal::NormalizeNfc(text.body);
    for (auto& [name, values] : text.fields) {
      for (std::string& value : values) internal::NormalizeNfc(value);
    }
    return text;
  }

 private:
  base::Status Decide() {
    decided_ = true;
    mime_ = ContentType(sample_, options_.sniff);
    const std::optional<Format> named = FormatOfExtension(extension_);
    const std::optional<Format> sniffed =
        sample_.empty() ? named.value_or(Format::kText) : FormatOfContent(mime_, sample_);
    if (!sniffed) {
      format_ = named.value_or(Format::kOther);  // the bytes say nothing against the name
      return StartAndForwardSample();
    }
    const Format content = *sniffed;
    if (!named) {
      format_ = content;
    } else if (*named != Format::kHtml && IsTextual(*named) && LooksLikeHtml(sample_)) {
      format_ = Format::kHtml;  // a whole page (served as .php, saved as .txt) is HTML
    } else if (*named == content || (IsTextual(*named) && IsTextual(content))) {
      format_ = *named;
    } else if (*named == Format::kOther && mime_ == "application/zip") {
      format_ = Format::kOther;  // a .zip is a zip, not a mislabelled Office file
    } else {
      format_ = content;
      mismatch_ = "fileExtension '." + extension_ + "' does not match the content, which is " +
                  std::string(FormatName(content)) + " (" + mime_ + "): read as " +
                  std::string(FormatName(content));
    }
    return StartAndForwardSample();
  }

  base::Status StartAndForwardSample() {
    SLUICE_RETURN_IF_ERROR(Start());
    std::string sample = std::move(sample_);
    sample_.clear();
    return Forward(sample);
  }

  base::Status Start() {
    const std::string file_type = extension_.empty() ? "" : extension_;
    switch (format_) {
      case Format::kHtml: {
        SLUICE_ASSIGN_OR_RETURN(text_, internal::MakeHtmlExtractor(options_.max_body_bytes));
        return base::Status::Ok();
      }
      case Format::kXml: {
        SLUICE_ASSIGN_OR_RETURN(
            text_,
            internal::MakeXmlExtractor(file_type.empty() || extension_ == "svg" ? "xml" : file_type,
                                       options_.max_body_bytes));
        return base::Status::Ok();
      }
      case Format::kText:
        text_ = internal::MakePlainTextExtractor(file_type.empty() ? "txt" : file_type,
                                                 options_.max_body_bytes);
        return base::Status::Ok();
      case Format::kPdf:
      case Format::kOffice:
      case Format::kEmail:
        return failure_ = spool_.Open(options_);
      case Format::kOther:
        return base::Status::Ok();
    }
    return base::Status::Ok();
  }

  base::Status Forward(std::string_view bytes) {
    if (bytes.empty()) return base::Status::Ok();
    base::Status status;
    if (text_ != nullptr) {
      status = text_->Write(bytes);
    } else if (format_ != Format::kOther) {
      status = spool_.Write(bytes, format_);
    }
    if (!status.ok()) failure_ = status;
    return status;
  }

  base::Result<ExtractedText> FinishFormat() {
    switch (format_) {
      case Format::kHtml:
      case Format::kXml:
      case Format::kText:
        return text_->Finish();
      case Format::kPdf:
        return ExtractInChild(options_.child_command, "pdf", spool_.fd(), options_.child_limits,
                              options_.max_body_bytes);
      case Format::kOffice: {
        auto text = ExtractInChild(options_.child_command, "office", spool_.fd(),
                                   options_.child_limits, options_.max_body_bytes);
        if (!text.ok() && text.status().code() == base::StatusCode::kInvalidArgument &&
            mime_ == "application/zip" && FormatOfExtension(extension_) != Format::kOffice) {
          return NotExtracted(text.status().message());
        }
        return text;
      }
      case Format::kEmail:
        return internal::ExtractEmail(
            spool_.fd(),
            [this](std::string_view name, std::string_view type, std::string_view bytes) {
              return ExtractAttachment(name, type, bytes);
            },
            options_.max_body_bytes);
      case Format::kOther:
        return NotExtracted("");
    }
    return base::Internal("unknown format");
  }

  // Binary content Sluice does not read: the item is indexed by its metadata, and told so.
  ExtractedText NotExtracted(std::string_view why) const {
    ExtractedText text;
    text.file_type = extension_.empty() ? FileTypeOfMime(mime_) : extension_;
    std::string warning = "content not extracted: " + mime_ +
                          (why.empty() ? std::string() : " (" + std::string(why) + ")") +
                          " is not a format Sluice reads; the item is indexed by its metadata only";
    text.warnings.push_back(std::move(warning));
    return text;
  }

  base::Result<ExtractedText> ExtractAttachment(std::string_view name, std::string_view type,
                                                std::string_view bytes) const {
    if (depth_ >= options_.max_depth) {
      return base::FailedPrecondition("attachment nested more than " +
                                      std::to_string(options_.max_depth) +
                                      " levels deep: not extracted");
    }
    SLUICE_ASSIGN_OR_RETURN(auto extractor,
                            MakeExtractorAt(AttachmentExtension(name, type), options_, depth_ + 1));
    SLUICE_RETURN_IF_ERROR(extractor->Write(bytes));
    return extractor->Finish();
  }

  std::string extension_;
  ExtractOptions options_;
  int depth_;
  std::string sample_;
  bool decided_ = false;
  std::string mime_;
  Format format_ = Format::kOther;
  std::string mismatch_;
  std::unique_ptr<Extractor> text_;
  SpooledInput spool_;
  base::Status failure_;
};

base::Result<std::unique_ptr<Extractor>> MakeExtractorAt(std::string_view file_extension,
                                                         const ExtractOptions& options, int depth) {
  return std::unique_ptr<Extractor>(
      std::make_unique<DispatchingExtractor>(NormalizeExtension(file_extension), options, depth));
}

}  // namespace

base::Result<std::unique_ptr<Extractor>> MakeExtractor(std::string_view file_extension,
                                                       const ExtractOptions& options) {
  return MakeExtractorAt(file_extension, options, /*depth=*/0);
}

base::Result<ExtractedText> ExtractBytes(std::string_view bytes, std::string_view file_extension,
                                         const ExtractOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto extractor, MakeExtractor(file_extension, options));
  SLUICE_RETURN_IF_ERROR(extractor->Write(bytes));
  return extractor->Finish();
}

}  // namespace sluice::extract
