// The example CRM's append-only record file: reading it back, cutting a torn tail, appending.
#include "services/example_crm/record_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace secondvoice::example_crm {
namespace {

constexpr absl::string_view kMagic("SVCRM1\n\0", 8);
constexpr size_t kHeaderSize = 8;  // length + CRC

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  const int err = errno;
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(err)));
}

uint32_t LoadLe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

void StoreLe32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

bool AllZero(absl::string_view bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

// Writes all of `data` at `offset`, retrying short writes and EINTR.
bool WriteAllAt(int fd, absl::string_view data, uint64_t offset) {
  while (!data.empty()) {
    const ssize_t n = pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// A new file's directory entry is only durable once its directory is synced.
absl::Status SyncParentDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open directory", dir);
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return ErrnoError("cannot fsync directory", dir);
  return absl::OkStatus();
}

}  // namespace

uint32_t Crc32(absl::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return table;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = kTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

RecordLog::~RecordLog() {
  if (fd_ >= 0) close(fd_);
}

absl::Status RecordLog::Open(const std::string& path,
                             const std::function<absl::Status(absl::string_view)>& visit) {
  if (fd_ >= 0) return absl::FailedPreconditionError("record log already open");
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot open", path);
  fd_ = fd;
  path_ = path;

  // Read the whole file: an example store stays small enough.
  std::string data;
  {
    struct stat st;
    if (fstat(fd_, &st) != 0) return ErrnoError("cannot stat", path_);
    data.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < data.size()) {
      const ssize_t n = pread(fd_, data.data() + got, data.size() - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError("cannot read", path_);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    data.resize(got);
  }

  if (data.size() < kMagic.size()) {
    // Empty, or a crash while it was being created: (re)start it.
    if (!absl::StartsWith(kMagic, data)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path_, " is not an example CRM store (no SVCRM1 header)"));
    }
    if (ftruncate(fd_, 0) != 0 || !WriteAllAt(fd_, kMagic, 0) || fsync(fd_) != 0) {
      return ErrnoError("cannot initialise", path_);
    }
    size_ = kMagic.size();
    return SyncParentDirectory(path_);
  }
  if (absl::string_view(data).substr(0, kMagic.size()) != kMagic) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " is not an example CRM store (no SVCRM1 header)"));
  }

  uint64_t offset = kMagic.size();
  while (offset < data.size()) {
    const uint64_t remaining = data.size() - offset;
    bool runs_past_end = remaining < kHeaderSize;
    uint32_t length = 0;
    uint32_t crc = 0;
    if (!runs_past_end) {
      length = LoadLe32(data.data() + offset);
      crc = LoadLe32(data.data() + offset + 4);
      runs_past_end = length > remaining - kHeaderSize;
    }
    if (!runs_past_end) {
      const absl::string_view payload(data.data() + offset + kHeaderSize, length);
      const bool good = length > 0 && length <= kMaxPayload && Crc32(payload) == crc;
      if (good) {
        if (absl::Status s = visit(payload); !s.ok()) return s;
        offset += kHeaderSize + length;
        continue;
      }
      // Bad but whole: only a torn tail if nothing readable follows it (it is the last record,
      // or the file system zero-filled the end after a crash).
      const uint64_t end = offset + kHeaderSize + length;
      if (end != data.size() && !AllZero(absl::string_view(data).substr(offset))) {
        return absl::DataLossError(absl::StrCat(path_, ": the record at byte ", offset,
                                                " is corrupt and more records follow it"));
      }
    }
    // A torn last record: the handover in it was never acknowledged, so dropping it is safe.
    SV_LOG(Warning) << path_ << ": cutting off a torn last record of " << remaining
                    << " bytes at byte " << offset;
    if (ftruncate(fd_, static_cast<off_t>(offset)) != 0 || fsync(fd_) != 0) {
      return ErrnoError("cannot truncate", path_);
    }
    data.resize(offset);
    break;
  }
  size_ = data.size();
  return absl::OkStatus();
}

absl::Status RecordLog::Append(absl::string_view payload) {
  if (fd_ < 0) return absl::FailedPreconditionError("record log not open");
  if (payload.empty() || payload.size() > kMaxPayload) {
    return absl::InvalidArgumentError(
        absl::StrCat("a record must hold 1 to ", kMaxPayload, " bytes, not ", payload.size()));
  }
  std::string record(kHeaderSize, '\0');
  StoreLe32(static_cast<uint32_t>(payload.size()), record.data());
  StoreLe32(Crc32(payload), record.data() + 4);
  record.append(payload.data(), payload.size());
  if (!WriteAllAt(fd_, record, size_) || fdatasync(fd_) != 0) {
    absl::Status error = ErrnoError("cannot append to", path_);
    // Best effort: leave no partial record for the next append to follow.
    if (ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      SV_LOG(Error) << path_ << ": cannot cut back a failed append: " << std::strerror(errno);
    }
    return error;
  }
  size_ += record.size();
  return absl::OkStatus();
}

}  // namespace secondvoice::example_crm
