#include "extract/email_extractor.h"

#include <fcntl.h>
#include <gmime/gmime.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "extract/charset.h"
#include "extract/html_extractor.h"
#include "extract/text_builder.h"

namespace sluice::extract::internal {
namespace {

constexpr size_t kMaxTitleBytes = 1000;  // as for an HTML page's title
constexpr size_t kMaxNameBytes = 1000;
// A To or Cc line with thousands of recipients stays searchable; a hostile header does not
// become a field of hundreds of MB.
constexpr size_t kMaxFieldBytes = 64 << 10;
// Real messages nest a handful of multiparts (mixed > alternative > related); GMime itself
// stops at 1024. Deeper parts are skipped with a warning.
constexpr int kMaxDepth = 100;
// Each attachment becomes an item of its own; a message of a million tiny parts does not.
constexpr size_t kMaxAttachments = 1000;
// Part contents are decoded and converted this much at a time.
constexpr size_t kReadChunkBytes = 64 << 10;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(void* memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

// g_mime_init sets up GMime's process-wide tables (MIME type registry, charset aliases); it
// must run once before any other GMime call and is not thread-safe, while extraction runs on
// several threads. Hence this one piece of process-wide state; GMime is never shut down.
void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = LowerAscii(c);
  return lower;
}

// Valid UTF-8 with whitespace collapsed, trimmed and capped.
std::string CleanText(const char* text, size_t max_bytes) {
  if (text == nullptr) return {};
  TextBuilder builder(max_bytes);
  builder.Append(text);
  return builder.Finish();
}

// "type/subtype", lower case; empty when GMime has none.
std::string MimeType(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return {};
  GCharPtr mime_type(g_mime_content_type_get_mime_type(type));
  return mime_type ? Lower(mime_type.get()) : std::string();
}

bool IsType(GMimeObject* object, const char* type, const char* subtype) {
  GMimeContentType* content_type = g_mime_object_get_content_type(object);
  return content_type != nullptr && g_mime_content_type_is_type(content_type, type, subtype);
}

// What g_mime_part_get_filename gives a leaf part, for any MIME object.
const char* FileName(GMimeObject* object) {
  const char* name = g_mime_object_get_content_disposition_parameter(object, "filename");
  return name != nullptr ? name : g_mime_object_get_content_type_parameter(object, "name");
}

bool IsAttachment(GMimePart* part) {
  const char* file_name = g_mime_part_get_filename(part);
  return g_mime_part_is_attachment(part) || (file_name != nullptr && *file_name != '\0') ||
         !IsType(GMIME_OBJECT(part), "text", "*");
}

std::string IsoUtc(GDateTime* date) {
  const time_t seconds = g_date_time_to_unix(date);
  struct tm utc {};
  if (gmtime_r(&seconds, &utc) == nullptr) return {};
  char text[32];
  const size_t length = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, length);
}

void AddAddresses(InternetAddressList* list, const char* name, ExtractedFields& fields) {
  if (list == nullptr || internet_address_list_length(list) == 0) return;
  GCharPtr text(internet_address_list_to_string(list, nullptr, FALSE));
  std::string value = CleanText(text.get(), kMaxFieldBytes);
  if (!value.empty()) fields.push_back({name, {std::move(value)}});
}

// Feeds `consume` the decoded content of `part` (base64, quoted-printable and uuencode undone,
// then `filter` applied when given), a chunk at a time, until it returns false. The content is
// read from the message file, never loaded whole.
template <typename Consume>
base::Status ReadContent(GMimePart* part, GMimeFilter* filter, Consume&& consume) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  GMimeStream* raw = content != nullptr ? g_mime_data_wrapper_get_stream(content) : nullptr;
  if (raw == nullptr) return base::Status::Ok();
  if (g_mime_stream_reset(raw) == -1) return base::ErrnoError("read a MIME part", errno);
  GObjectPtr<GMimeStream> stream(g_mime_stream_filter_new(raw));
  switch (g_mime_data_wrapper_get_encoding(content)) {
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
    case GMIME_CONTENT_ENCODING_UUENCODE: {
      GObjectPtr<GMimeFilter> decoder(
          g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(content), FALSE));
      g_mime_stream_filter_add(GMIME_STREAM_FILTER(stream.get()), decoder.get());
      break;
    }
    default:
      break;
  }
  if (filter != nullptr) g_mime_stream_filter_add(GMIME_STREAM_FILTER(stream.get()), filter);
  std::string buffer(kReadChunkBytes, '\0');
  // A filter may turn a read into nothing (a line of base64 padding): only the end of the
  // stream ends the loop, as in GMime's own g_mime_stream_write_to_stream.
  while (!g_mime_stream_eos(stream.get())) {
    const ssize_t n = g_mime_stream_read(stream.get(), buffer.data(), buffer.size());
    if (n < 0) return base::ErrnoError("read a MIME part", errno);
    if (n > 0 && !consume(std::string_view(buffer.data(), static_cast<size_t>(n)))) break;
  }
  return base::Status::Ok();
}

// UTF-16 and UTF-32 are real encodings of a MIME part (TextDecoder, made for pages, reads
// these labels as UTF-8, as browsers do).
bool IsWideUnicode(std::string_view label) {
  const std::string lower = Lower(label);
  for (std::string_view prefix :
       {"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4"}) {
    if (lower.starts_with(prefix)) return true;
  }
  return false;
}

// GMime's converter from `label` to UTF-8, or null if iconv does not know the charset.
// ISO-8859-1 and US-ASCII labels mean windows-1252, as mail clients (and browsers) read them.
GObjectPtr<GMimeFilter> ToUtf8Filter(std::string_view label) {
  const std::string lower = Lower(label);
  std::string from(label);
  if (lower == "iso-8859-1" || lower == "iso8859-1" || lower == "latin1" || lower == "us-ascii" ||
      lower == "ascii") {
    from = "windows-1252";
  }
  return GObjectPtr<GMimeFilter>(g_mime_filter_charset_new(from.c_str(), "UTF-8"));
}

// Walks a message's MIME tree in document order: text parts into the body, attachments and
// attached messages into children.
class MessageWalker {
 public:
  MessageWalker(const AttachmentExtractor& extract_attachment, size_t max_body_bytes,
                ExtractedText& out)
      : extract_attachment_(extract_attachment),
        max_body_bytes_(max_body_bytes),
        body_(max_body_bytes),
        out_(out) {}

  base::Status Walk(GMimeObject* root) {
    std::vector<Pending> stack{{root, 0, true}};
    while (!stack.empty()) {
      const Pending pending = stack.back();
      stack.pop_back();
      SLUICE_RETURN_IF_ERROR(Visit(pending, stack));
    }
    return base::Status::Ok();
  }

  void Finish() {
    out_.body = body_.Finish();
    out_.truncated = body_.truncated() || html_truncated_;
  }

 private:
  struct Pending {
    GMimeObject* object;
    int depth;
    bool body;  // text parts here are the message's text (not a discarded alternative)
  };

  base::Status Visit(const Pending& pending, std::vector<Pending>& stack) {
    GMimeObject* object = pending.object;
    if (pending.depth > kMaxDepth) {
      if (!warned_depth_) {
        out_.warnings.push_back("MIME parts nested more than " + std::to_string(kMaxDepth) +
                                " levels deep not extracted");
        warned_depth_ = true;
      }
      return base::Status::Ok();
    }
    if (GMIME_IS_MESSAGE_PART(object)) return AddMessage(GMIME_MESSAGE_PART(object));
    if (GMIME_IS_MULTIPART(object)) {
      PushChildren(GMIME_MULTIPART(object), pending, stack);
      return base::Status::Ok();
    }
    if (!GMIME_IS_PART(object)) return base::Status::Ok();
    GMimePart* part = GMIME_PART(object);
    if (IsAttachment(part)) return AddAttachment(part);
    if (!pending.body || body_.truncated()) return base::Status::Ok();
    if (IsType(object, "text", "plain")) return AppendPlain(part);
    if (IsType(object, "text", "html")) return AppendHtml(part);
    return base::Status::Ok();  // text/calendar, text/enriched ...: not the message's text
  }

  // Pushes the children so that they come off the stack in document order.
  void PushChildren(GMimeMultipart* multipart, const Pending& pending,
                    std::vector<Pending>& stack) {
    const int count = g_mime_multipart_get_count(multipart);
    if (GMIME_IS_MULTIPART_ENCRYPTED(multipart)) {
      out_.warnings.push_back("encrypted part (" + MimeType(GMIME_OBJECT(multipart)) +
                              ") not extracted");
      return;
    }
    // multipart/signed: the signature (the second part) is no attachment of the sender's.
    const int end = GMIME_IS_MULTIPART_SIGNED(multipart) ? std::min(count, 1) : count;
    const int chosen = IsType(GMIME_OBJECT(multipart), "multipart", "alternative")
                           ? ChooseAlternative(multipart)
                           : -1;
    for (int i = end - 1; i >= 0; --i) {
      GMimeObject* child = g_mime_multipart_get_part(multipart, i);
      if (child == nullptr) continue;
      // Alternatives not chosen are walked for their attachments (an HTML version's images).
      const bool body = pending.body && (chosen < 0 || i == chosen);
      stack.push_back({child, pending.depth + 1, body});
    }
  }

  // The alternative whose text is the message's: the first with text/plain, else the first
  // with text/html, else the last (the richest, by RFC 2046).
  static int ChooseAlternative(GMimeMultipart* alternative) {
    const int count = g_mime_multipart_get_count(alternative);
    for (const char* subtype : {"plain", "html"}) {
      for (int i = 0; i < count; ++i) {
        if (HoldsText(g_mime_multipart_get_part(alternative, i), subtype, 0)) return i;
      }
    }
    return count - 1;
  }

  // Whether `object` shows a text/<subtype> part as its text: it is one, or it is a multipart
  // whose first part (the root of mixed or related) or one of whose alternatives does.
  static bool HoldsText(GMimeObject* object, const char* subtype, int depth) {
    if (object == nullptr || depth > 8) return false;
    if (GMIME_IS_PART(object)) {
      return IsType(object, "text", subtype) && !IsAttachment(GMIME_PART(object));
    }
    if (!GMIME_IS_MULTIPART(object)) return false;
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const int count = g_mime_multipart_get_count(multipart);
    const bool alternative = IsType(object, "multipart", "alternative");
    for (int i = 0; i < (alternative ? count : std::min(count, 1)); ++i) {
      if (HoldsText(g_mime_multipart_get_part(multipart, i), subtype, depth + 1)) return true;
    }
    return false;
  }

  base::Status AppendPlain(GMimePart* part) {
    const char* charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    // Undeclared text is UTF-8 up to its first invalid byte, then windows-1252 (8-bit mail
    // from old clients); a declared charset is converted by TextDecoder when it knows it, by
    // GMime's iconv aliases otherwise (and for UTF-16 and UTF-32).
    TextDecoder decoder;
    GObjectPtr<GMimeFilter> to_utf8;
    if (charset != nullptr && (IsWideUnicode(charset) || !decoder.Declare(charset))) {
      to_utf8 = ToUtf8Filter(charset);
      if (to_utf8) decoder.SettleUtf8();
    }
    body_.Separate();
    SLUICE_RETURN_IF_ERROR(ReadContent(part, to_utf8.get(), [&](std::string_view chunk) {
      decoder.Decode(chunk, body_);
      return !body_.truncated();
    }));
    decoder.EndRun();
    return base::Status::Ok();
  }

  base::Status AppendHtml(GMimePart* part) {
    SLUICE_ASSIGN_OR_RETURN(auto html, MakeHtmlExtractor(max_body_bytes_ - body_.size()));
    const char* charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    // The part's charset outranks a <meta charset> in the page, as in mail clients: the page
    // is converted to UTF-8 and marked so with a byte order mark.
    GObjectPtr<GMimeFilter> to_utf8;
    if (charset != nullptr) to_utf8 = ToUtf8Filter(charset);
    base::Status written = to_utf8 ? html->Write(kUtf8Bom) : base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(ReadContent(part, to_utf8.get(), [&](std::string_view chunk) {
      if (written.ok()) written = html->Write(chunk);
      return written.ok();
    }));
    auto text = written.ok() ? html->Finish() : base::Result<ExtractedText>(written);
    if (!text.ok()) {
      out_.warnings.push_back("text of an HTML part not extracted: " + text.status().message());
      return base::Status::Ok();
    }
    body_.Separate();
    body_.Append(text->body);
    html_truncated_ = html_truncated_ || text->truncated;
    return base::Status::Ok();
  }

  // Whether one more attachment may be extracted; warns once when not.
  bool RoomForAttachment() {
    if (out_.children.size() < kMaxAttachments) return true;
    if (!warned_attachments_) {
      out_.warnings.push_back("attachments after the " + std::to_string(kMaxAttachments) +
                              "th not extracted");
      warned_attachments_ = true;
    }
    return false;
  }

  base::Status AddAttachment(GMimePart* part) {
    if (!RoomForAttachment()) return base::Status::Ok();
    std::string name = CleanText(g_mime_part_get_filename(part), kMaxNameBytes);
    std::string content_type = MimeType(GMIME_OBJECT(part));
    if (name.empty() && content_type == "message/rfc822") name = "message.eml";
    std::string bytes;
    if (GMimeDataWrapper* content = g_mime_part_get_content(part)) {
      if (GMimeStream* raw = g_mime_data_wrapper_get_stream(content)) {
        // Base64 decodes to three quarters of its size, the rest to at most their size.
        const gint64 length = g_mime_stream_length(raw);
        const bool base64 =
            g_mime_data_wrapper_get_encoding(content) == GMIME_CONTENT_ENCODING_BASE64;
        if (length > 0) bytes.reserve(static_cast<size_t>(base64 ? length / 4 * 3 + 3 : length));
      }
    }
    SLUICE_RETURN_IF_ERROR(ReadContent(part, nullptr, [&](std::string_view chunk) {
      bytes.append(chunk);
      return true;
    }));
    AddChild(std::move(name), content_type, bytes);
    return base::Status::Ok();
  }

  // An attached message goes to the caller as its bytes, to be extracted as an e-mail again.
  base::Status AddMessage(GMimeMessagePart* part) {
    if (!RoomForAttachment()) return base::Status::Ok();
    GMimeMessage* message = g_mime_message_part_get_message(part);
    std::string name = CleanText(FileName(GMIME_OBJECT(part)), kMaxNameBytes);
    if (name.empty() && message != nullptr) {
      name = CleanText(g_mime_message_get_subject(message), kMaxNameBytes);
      if (!name.empty()) name += ".eml";
    }
    if (name.empty()) name = "message.eml";
    GObjectPtr<GMimeStream> serialized(g_mime_stream_mem_new());
    if (message != nullptr &&
        g_mime_object_write_to_stream(GMIME_OBJECT(message), nullptr, serialized.get()) < 0) {
      return base::ErrnoError("read an attached message", errno);
    }
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(serialized.get()));
    AddChild(std::move(name), "message/rfc822",
             std::string_view(reinterpret_cast<const char*>(bytes->data), bytes->len));
    return base::Status::Ok();
  }

  void AddChild(std::string name, std::string_view content_type, std::string_view bytes) {
    ExtractedChild child;
    child.size = bytes.size();
    auto text = extract_attachment_(name, content_type, bytes);
    if (text.ok()) {
      child.text = std::move(*text);
    } else {
      child.text.warnings.push_back(text.status().message());
    }
    child.name = std::move(name);
    out_.children.push_back(std::move(child));
  }

  const AttachmentExtractor& extract_attachment_;
  size_t max_body_bytes_;
  TextBuilder body_;
  ExtractedText& out_;
  bool html_truncated_ = false;
  bool warned_depth_ = false;
  bool warned_attachments_ = false;
};

// Where the message starts: after a UTF-8 byte order mark some tools write.
base::Result<off_t> MessageStart(int fd) {
  char head[kUtf8Bom.size()];
  const ssize_t n = pread(fd, head, sizeof(head), 0);
  if (n < 0) return base::ErrnoError("read the e-mail", errno);
  return std::string_view(head, static_cast<size_t>(n)) == kUtf8Bom ? off_t{3} : off_t{0};
}

// A descriptor of the file for the stream, which closes it. GMime seeks before each read: the
// file is opened again, so that its offset is not the caller's (nor that of another thread
// reading the same file); a duplicate, sharing the offset, when /proc is not there.
int OwnDescriptor(int fd) {
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const int own = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  return own >= 0 ? own : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

base::Result<ExtractedText> ExtractMessage(int fd, const AttachmentExtractor& extract_attachment,
                                           size_t max_body_bytes) {
  InitGMime();
  SLUICE_ASSIGN_OR_RETURN(const off_t start, MessageStart(fd));
  const int own_fd = OwnDescriptor(fd);
  if (own_fd < 0) return base::ErrnoError("read the e-mail", errno);
  GObjectPtr<GMimeStream> stream(g_mime_stream_fs_new_with_bounds(own_fd, start, -1));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  // Part contents stay in the file (read through bounded substreams), not in memory.
  g_mime_parser_set_persist_stream(parser.get(), TRUE);
  GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) {
    return base::InvalidArgument("not an e-mail message: it does not start with headers");
  }
  GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(message.get()));
  if (headers == nullptr || g_mime_header_list_get_count(headers) == 0) {
    return base::InvalidArgument("not an e-mail message: it has no header");
  }

  ExtractedText text;
  text.file_type = "eml";
  text.title = CleanText(g_mime_message_get_subject(message.get()), kMaxTitleBytes);
  if (!text.title.empty()) text.fields.push_back({"subject", {text.title}});
  AddAddresses(g_mime_message_get_from(message.get()), "from", text.fields);
  AddAddresses(g_mime_message_get_to(message.get()), "to", text.fields);
  AddAddresses(g_mime_message_get_cc(message.get()), "cc", text.fields);
  if (GDateTime* date = g_mime_message_get_date(message.get())) {
    std::string iso = IsoUtc(date);
    if (!iso.empty()) text.fields.push_back({"date", {std::move(iso)}});
  }

  MessageWalker walker(extract_attachment, max_body_bytes, text);
  if (GMimeObject* root = g_mime_message_get_mime_part(message.get())) {
    SLUICE_RETURN_IF_ERROR(walker.Walk(root));
  }
  walker.Finish();
  return text;
}

}  // namespace

base::Result<ExtractedText> ExtractEmail(int fd, const AttachmentExtractor& extract_attachment,
                                         size_t max_body_bytes) {
  // Memory for a large attachment's bytes is the one thing that can throw here; the GObjects
  // are released on the way out by their owners.
  try {
    return ExtractMessage(fd, extract_attachment, max_body_bytes);
  } catch (const std::bad_alloc&) {
    return base::ResourceExhausted("e-mail too large to extract: out of memory");
  } catch (const std::exception& e) {
    return base::Internal(std::string("e-mail extraction failed: ") + e.what());
  }
}

}  // namespace sluice::extract::internal
