#include "client/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <utility>

#include "auth/crypto.h"

namespace sluice::client {
namespace {

constexpr std::string_view kHeader = "sluice-manifest 1";

void AppendEscaped(std::string& out, std::string_view field) {
  for (char c : field) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

// nullopt for a dangling backslash or an unknown escape: the line is malformed.
std::optional<std::string> Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out += field[i];
      continue;
    }
    if (++i == field.size()) return std::nullopt;
    switch (field[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    size_t tab = line.find('\t');
    fields.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) return fields;
    line.remove_prefix(tab + 1);
  }
}

// The whole field as a decimal number, or nullopt.
template <typename T>
std::optional<T> ParseNumber(std::string_view field) {
  T value{};
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string EntryLine(const ManifestEntry& e) {
  std::string line = "A\t" + std::to_string(e.ordering_id) + '\t' + std::to_string(e.size) + '\t' +
                     std::to_string(e.mtime_ns) + '\t';
  AppendEscaped(line, e.sha256_hex);
  line += '\t';
  AppendEscaped(line, e.document_id);
  line += '\t';
  AppendEscaped(line, e.path);
  line += '\n';
  return line;
}

std::string OrderingLine(char kind, uint64_t ordering_id) {
  return std::string(1, kind) + '\t' + std::to_string(ordering_id) + '\n';
}

// What the file says once every line is applied in order.
struct Contents {
  std::unordered_map<std::string, ManifestEntry> entries;
  std::optional<uint64_t> rebuild;
  size_t lines = 0;          // complete lines after the header, malformed ones included
  size_t complete_size = 0;  // bytes up to the last newline: what follows is a torn line
};

// Applies one complete line; false (and no change) when it is malformed.
bool ApplyLine(std::string_view line, Contents& c) {
  std::vector<std::string_view> f = SplitTabs(line);
  if (f[0] == "A" && f.size() == 7) {
    ManifestEntry e;
    auto ordering_id = ParseNumber<uint64_t>(f[1]);
    auto size = ParseNumber<uint64_t>(f[2]);
    auto mtime_ns = ParseNumber<int64_t>(f[3]);
    auto sha = Unescape(f[4]);
    auto document_id = Unescape(f[5]);
    auto path = Unescape(f[6]);
    if (!ordering_id || !size || !mtime_ns || !sha || !document_id || !path ||
        document_id->empty()) {
      return false;
    }
    e.ordering_id = *ordering_id;
    e.size = *size;
    e.mtime_ns = *mtime_ns;
    e.sha256_hex = std::move(*sha);
    e.document_id = std::move(*document_id);
    e.path = std::move(*path);
    std::string key = e.document_id;
    c.entries.insert_or_assign(std::move(key), std::move(e));
    return true;
  }
  if (f[0] == "F" && f.size() == 2) {
    auto document_id = Unescape(f[1]);
    if (!document_id) return false;
    c.entries.erase(*document_id);
    return true;
  }
  if ((f[0] == "R" || f[0] == "D") && f.size() == 2) {
    auto ordering_id = ParseNumber<uint64_t>(f[1]);
    if (!ordering_id) return false;
    if (f[0] == "R") {
      c.rebuild = *ordering_id;
    } else if (c.rebuild == *ordering_id) {
      c.rebuild.reset();
    }
    return true;
  }
  return false;
}

// `text` starts with the header line (checked by the caller).
Contents Parse(std::string_view text) {
  Contents c;
  size_t pos = text.find('\n') + 1;
  c.complete_size = pos;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    if (newline == std::string_view::npos) break;  // torn: the append never finished
    ++c.lines;
    (void)ApplyLine(text.substr(pos, newline - pos), c);
    pos = newline + 1;
    c.complete_size = pos;
  }
  return c;
}

// The live lines only: one per entry (sorted, so the result is deterministic) and the
// unfinished rebuild.
std::string Compacted(const Contents& c) {
  std::vector<const ManifestEntry*> sorted;
  sorted.reserve(c.entries.size());
  for (const auto& [id, entry] : c.entries) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const ManifestEntry* a, const ManifestEntry* b) {
    return a->document_id < b->document_id;
  });
  std::string text = std::string(kHeader) + '\n';
  for (const ManifestEntry* e : sorted) text += EntryLine(*e);
  if (c.rebuild) text += OrderingLine('R', *c.rebuild);
  return text;
}

}  // namespace

base::Result<std::unique_ptr<Manifest>> Manifest::Open(const std::filesystem::path& path) {
  const std::string header_line = std::string(kHeader) + '\n';
  if (path.has_parent_path()) {
    SLUICE_RETURN_IF_ERROR(base::MakeDirs(path.parent_path()).WithContext("manifest directory"));
  }
  base::Result<std::string> read = base::ReadFile(path);
  if (!read.ok() && read.status().code() != base::StatusCode::kNotFound) {
    return read.status().WithContext("read manifest");
  }
  std::string text = read.ok() ? std::move(read).value() : std::string();

  // A file that is empty or holds part of the header was being created when the process
  // stopped: nothing was recorded in it yet.
  if (text.find('\n') == std::string::npos && header_line.starts_with(text)) {
    SLUICE_RETURN_IF_ERROR(base::WriteFileAtomic(path, header_line).WithContext("create manifest"));
    text = header_line;
  }
  if (!text.starts_with(header_line)) {
    return base::FailedPrecondition(path.string() +
                                    ": not a Sluice manifest (the first line is not \"" +
                                    std::string(kHeader) + "\")");
  }

  Contents contents = Parse(text);
  size_t live = contents.entries.size() + (contents.rebuild ? 1 : 0);
  bool compact = 2 * (contents.lines - live) > contents.lines;
  if (compact) {
    SLUICE_RETURN_IF_ERROR(
        base::WriteFileAtomic(path, Compacted(contents)).WithContext("compact manifest"));
  }

  base::PosixFs fs;
  SLUICE_ASSIGN_OR_RETURN(base::UniqueFd fd, fs.Open(path, O_WRONLY | O_APPEND, 0644));
  if (!compact && contents.complete_size < text.size()) {
    // Cut the torn line off: the next append would otherwise complete it into a line that
    // may parse (a documentId cut short names another item).
    if (::ftruncate(fd.get(), static_cast<off_t>(contents.complete_size)) != 0) {
      return base::ErrnoError("truncate torn line of " + path.string(), errno);
    }
    if (::fdatasync(fd.get()) != 0) return base::ErrnoError("fdatasync " + path.string(), errno);
  }
  return std::unique_ptr<Manifest>(
      new Manifest(path, std::move(fd), std::move(contents.entries), contents.rebuild));
}

Manifest::Manifest(std::filesystem::path path, base::UniqueFd fd,
                   std::unordered_map<std::string, ManifestEntry> entries,
                   std::optional<uint64_t> rebuild)
    : path_(std::move(path)), fd_(std::move(fd)), entries_(std::move(entries)), rebuild_(rebuild) {}

const std::filesystem::path& Manifest::path() const { return path_; }

std::optional<ManifestEntry> Manifest::Find(std::string_view document_id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(document_id));
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> Manifest::UnfinishedRebuild() const {
  std::lock_guard lock(mu_);
  return rebuild_;
}

base::Status Manifest::AppendLocked(const std::string& lines) {
  if (!broken_.ok()) return broken_;
  base::Status written =
      fs_.Write(fd_.get(), lines.data(), lines.size(), "append to " + path_.string());
  if (written.ok() && ::fdatasync(fd_.get()) != 0) {
    written = base::ErrnoError("fdatasync " + path_.string(), errno);
  }
  if (!written.ok()) broken_ = written;
  return written;
}

base::Status Manifest::Record(const std::vector<ManifestEntry>& entries) {
  std::string lines;
  for (const ManifestEntry& e : entries) {
    if (e.document_id.empty()) return base::InvalidArgument("manifest entry without a documentId");
    lines += EntryLine(e);
  }
  if (lines.empty()) return base::Status::Ok();
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(AppendLocked(lines));
  for (const ManifestEntry& e : entries) entries_.insert_or_assign(e.document_id, e);
  return base::Status::Ok();
}

base::Status Manifest::Forget(std::string_view document_id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(document_id));
  if (it == entries_.end()) return base::Status::Ok();  // nothing to take back
  std::string line = "F\t";
  AppendEscaped(line, document_id);
  line += '\n';
  SLUICE_RETURN_IF_ERROR(AppendLocked(line));
  entries_.erase(it);
  return base::Status::Ok();
}

base::Status Manifest::BeginRebuild(uint64_t ordering_id) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(AppendLocked(OrderingLine('R', ordering_id)));
  rebuild_ = ordering_id;
  return base::Status::Ok();
}

base::Status Manifest::FinishRebuild(uint64_t ordering_id) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(AppendLocked(OrderingLine('D', ordering_id)));
  if (rebuild_ == ordering_id) rebuild_.reset();
  return base::Status::Ok();
}

std::filesystem::path DefaultManifestPath(std::string_view url, std::string_view org,
                                          std::string_view source, std::string_view home,
                                          std::string_view xdg_state_home) {
  // The XDG spec says a relative $XDG_STATE_HOME is invalid and to be ignored.
  std::filesystem::path state = std::filesystem::path(xdg_state_home);
  if (xdg_state_home.empty() || !state.is_absolute()) {
    state = std::filesystem::path(home) / ".local" / "state";
  }
  std::string target = std::string(url) + '\n' + std::string(org) + '\n' + std::string(source);
  std::string hex = auth::Sha256Hex(target).substr(0, 16);
  return state / "sluice" / "manifests" / (hex + ".tsv");
}

}  // namespace sluice::client
