// An append-only file of length-prefixed, checksummed records that are on disk (fsync'ed) when
// Append returns: the example CRM's durable store.
#ifndef SECONDVOICE_SERVICES_EXAMPLE_CRM_RECORD_LOG_H_
#define SECONDVOICE_SERVICES_EXAMPLE_CRM_RECORD_LOG_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace secondvoice::example_crm {

// File layout: the 8-byte magic "SVCRM1\n\0", then records, each a 4-byte little-endian payload
// length, the 4-byte little-endian CRC-32 (IEEE) of the payload, and the payload.
//
// A crash can only tear the last record (nothing is written after an unfinished one), so Open
// cuts an unreadable tail off; an unreadable record with good records after it is data loss and
// Open refuses the file rather than drop handovers it once acknowledged.
//
// Not thread-safe: the owner serialises calls.
class RecordLog {
 public:
  RecordLog() = default;
  ~RecordLog();
  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;

  // Opens `path`, creating it if missing, and calls `visit` with each whole record's payload in
  // order (an error from `visit` ends Open with that error). FAILED_PRECONDITION when the file
  // is not such a log, DATA_LOSS when a record before the last one is unreadable.
  [[nodiscard]] absl::Status Open(const std::string& path,
                                  const std::function<absl::Status(absl::string_view)>& visit);

  // Appends one record and fsyncs it; OK means it survives a crash. On failure the file is cut
  // back to where it was, so a later Append does not follow a torn record.
  [[nodiscard]] absl::Status Append(absl::string_view payload);

  // Bytes in the file, magic included.
  uint64_t size() const { return size_; }

  // Records larger than this are refused (and a length above it marks a torn header).
  static constexpr uint32_t kMaxPayload = 64u << 20;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
};

// CRC-32 (IEEE 802.3, as zlib's crc32) of `data`.
uint32_t Crc32(absl::string_view data);

}  // namespace secondvoice::example_crm

#endif  // SECONDVOICE_SERVICES_EXAMPLE_CRM_RECORD_LOG_H_
