// ImportJob: the import pipeline.
#include "services/scheduler/import_job.h"

#include <algorithm>
#include <future>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/csv/csv_reader.h"
#include "libs/intake/columns.h"
#include "libs/intake/identity_index.h"
#include "libs/intake/row.h"
#include "libs/store/campaigns.h"
#include "libs/store/dealers.h"
#include "libs/store/erasure.h"
#include "libs/store/imports.h"
#include "libs/store/schedule.h"
#include "libs/xlsx/xlsx_reader.h"
#include "services/scheduler/convert.h"

namespace secondvoice::scheduler {
namespace {

constexpr size_t kBatchRows = 4000;
// Batches being normalised while the previous one loads: keeps both cores busy.
constexpr size_t kBatchesInFlight = 3;
constexpr size_t kFlushBytes = 8 << 20;
// Lead ids are reserved from the sequence in growing blocks: small lists waste few ids,
// big ones make few round trips.
constexpr int kFirstIdBlock = 64;
constexpr int kMaxIdBlock = 8192;
constexpr int kRejectsInResponse = 1000;

using Normalized = std::vector<std::pair<int64_t, absl::StatusOr<intake::Row>>>;

// Records from the file: CSV as it streams in, XLSX once it has arrived whole.
class Records {
 public:
  Records(bool xlsx, std::string sheet) : xlsx_(xlsx), sheet_(std::move(sheet)) {}

  bool xlsx() const { return xlsx_; }

  void Feed(std::string& bytes) {
    if (xlsx_) {
      whole_.append(bytes);
    } else {
      csv_.Feed(bytes);
    }
  }

  absl::Status Finish() {
    if (!xlsx_) {
      csv_.Finish();
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(xlsx_reader_, xlsx::Reader::Open(std::move(whole_), sheet_));
    return absl::OkStatus();
  }

  bool uses_1904_dates() const { return xlsx_reader_ && xlsx_reader_->uses_1904_dates(); }

  std::optional<table::Record> Next() {
    if (!xlsx_) return csv_.Next();
    return xlsx_reader_ ? xlsx_reader_->Next() : std::nullopt;
  }

 private:
  bool xlsx_;
  std::string sheet_;
  csv::Reader csv_;
  std::string whole_;
  std::unique_ptr<xlsx::Reader> xlsx_reader_;
};

bool IsXlsx(const v1::ImportHeader& header, absl::string_view first_bytes) {
  switch (header.format()) {
    case v1::IMPORT_FORMAT_XLSX:
      return true;
    case v1::IMPORT_FORMAT_CSV:
      return false;
    default:
      // A zip file's signature, or the name says so.
      return absl::StartsWith(first_bytes, "PK\x03\x04") ||
             absl::EndsWithIgnoreCase(header.file_name(), ".xlsx");
  }
}

// Everything one import keeps while it runs.
class Loader {
 public:
  Loader(store::PgConn& conn, int64_t import_id, std::string actor, std::string file_name)
      : conn_(conn),
        import_id_(import_id),
        actor_(std::move(actor)),
        file_name_(std::move(file_name)) {}

  absl::Status LoadIdentities(const std::vector<std::string>& dealers) {
    // No erasure at these dealers may commit while the list loads: each batch is checked
    // against the erased list as it stands, and it cannot change under the import.
    for (const std::string& dealer : dealers) RETURN_IF_ERROR(store::HoldErasures(conn_, dealer));
    ASSIGN_OR_RETURN(std::vector<std::string> erasing, store::DealersWithErasures(conn_, dealers));
    dealers_with_erasures_.insert(erasing.begin(), erasing.end());
    RETURN_IF_ERROR(store::ForEachIdentity(
        conn_, dealers, [this](absl::string_view dealer, int64_t lead, absl::string_view key) {
          index_.Add(dealer, key, lead);
        }));
    ASSIGN_OR_RETURN(std::vector<store::Suppression> list, store::ListSuppressions(conn_, dealers));
    for (const store::Suppression& s : list) {
      suppressed_.insert(absl::StrCat(
          s.dealer_id, "|", s.all_channels ? "all" : domain::Name(s.channel), "|", s.value));
    }
    return absl::OkStatus();
  }

  void Reject(int64_t line, absl::string_view reason) {
    ++summary_.rows_read;
    ++summary_.rejected;
    rejects_.push_back({line, std::string(reason)});
  }

  absl::Status Load(Normalized batch) {
    RETURN_IF_ERROR(FindErased(batch));
    for (auto& [line, row] : batch) {
      if (!row.ok()) {
        Reject(line, row.status().message());
        continue;
      }
      if (Erased(*row)) {
        // The person asked to be forgotten: neither a new lead nor a merge into another.
        Reject(line, store::kErasedReason);
        continue;
      }
      ++summary_.rows_read;
      RETURN_IF_ERROR(Place(*row));
    }
    if (copy_.bytes() > kFlushBytes) return copy_.Flush(conn_);
    return absl::OkStatus();
  }

  absl::StatusOr<store::ImportSummary> Finish(int64_t campaign_id) {
    RETURN_IF_ERROR(copy_.Flush(conn_));
    RETURN_IF_ERROR(store::InsertRejects(conn_, import_id_, rejects_));
    summary_.id = import_id_;
    summary_.status = "completed";
    RETURN_IF_ERROR(store::FinishImport(conn_, summary_));
    // Wakes claimers on every replica when the import commits.
    RETURN_IF_ERROR(store::NotifySchedule(conn_, absl::StrCat(campaign_id)));
    return summary_;
  }

  const std::vector<store::RejectedRow>& rejects() const { return rejects_; }

 private:
  // The identities of a row: phone numbers, e-mail addresses, customer number.
  static absl::string_view Value(absl::string_view key) { return key.substr(2); }

  // Looks up which identities of the batch's rows belong to people erased at their request, one
  // query per dealer and batch.
  absl::Status FindErased(const Normalized& batch) {
    erased_.clear();
    if (dealers_with_erasures_.empty()) return absl::OkStatus();
    absl::flat_hash_map<std::string, std::vector<std::string>> by_dealer;
    for (const auto& [line, row] : batch) {
      if (!row.ok() || !dealers_with_erasures_.contains(row->lead.dealer_id)) continue;
      std::vector<std::string>& values = by_dealer[row->lead.dealer_id];
      for (const std::string& key : row->keys) values.emplace_back(Value(key));
    }
    for (auto& [dealer, values] : by_dealer) {
      ASSIGN_OR_RETURN(absl::flat_hash_set<std::string> erased,
                       store::ErasedAmong(conn_, dealer, values));
      for (const std::string& value : erased) erased_.insert(absl::StrCat(dealer, "|", value));
    }
    return absl::OkStatus();
  }

  bool Erased(const intake::Row& row) const {
    if (erased_.empty()) return false;
    for (const std::string& key : row.keys) {
      if (erased_.contains(absl::StrCat(row.lead.dealer_id, "|", Value(key)))) return true;
    }
    return false;
  }

  bool Suppressed(const domain::Lead& lead) const {
    for (const domain::ContactRoute& r : lead.contact_routes) {
      if (r.normalized_value.empty()) continue;
      for (absl::string_view dealer : {absl::string_view(lead.dealer_id), absl::string_view()}) {
        for (absl::string_view channel : {domain::Name(r.channel), absl::string_view("all")}) {
          if (suppressed_.contains(absl::StrCat(dealer, "|", channel, "|", r.normalized_value))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  absl::Status Place(intake::Row& row) {
    domain::Lead& lead = row.lead;
    if (!row.has_usable_route) ++summary_.no_usable_contact_route;
    if (!row.lawful_basis) ++summary_.without_lawful_basis;
    if (Suppressed(lead)) ++summary_.suppressed;
    const std::string details =
        absl::StrCat("{\"import_id\":", import_id_, ",\"line\":", row.line, "}");
    if (std::optional<int64_t> existing = index_.Find(lead.dealer_id, row.keys)) {
      // The same person: add what is new to the lead they already have, call them once.
      ++summary_.merged_into_existing;
      int position = 100;
      for (const domain::ContactRoute& r : lead.contact_routes) {
        const std::string key =
            absl::StrCat(r.channel == domain::Channel::kEmail ? "e:" : "p:", r.normalized_value);
        if (!r.usable || index_.Contains(lead.dealer_id, key)) continue;
        copy_.AddRoute(*existing, position++, r);
        index_.Add(lead.dealer_id, key, *existing);
      }
      copy_.AddEvent(*existing, "lead.merged", actor_,
                     absl::StrCat("row ", row.line, " of ", file_name_, " is this person again"),
                     details);
      return absl::OkStatus();
    }
    if (next_id_ == ids_.size()) {
      id_block_ = std::min(id_block_ * 2, kMaxIdBlock);
      ASSIGN_OR_RETURN(ids_, store::ReserveLeadIds(conn_, id_block_));
      next_id_ = 0;
    }
    lead.id = ids_[next_id_++];
    for (const std::string& key : row.keys) index_.Add(lead.dealer_id, key, lead.id);
    copy_.AddLead(lead, import_id_, row.line);
    copy_.AddEvent(lead.id, "lead.imported", actor_,
                   absl::StrCat("row ", row.line, " of ", file_name_), details);
    ++summary_.imported;
    return absl::OkStatus();
  }

  store::PgConn& conn_;
  const int64_t import_id_;
  const std::string actor_;
  const std::string file_name_;
  intake::IdentityIndex index_;
  absl::flat_hash_set<std::string> suppressed_;
  // Only these dealers' rows need looking up (most dealers never erased anyone).
  absl::flat_hash_set<std::string> dealers_with_erasures_;
  // "dealer|value" of the current batch's identities that were erased.
  absl::flat_hash_set<std::string> erased_;
  std::vector<int64_t> ids_;
  size_t next_id_ = 0;
  int id_block_ = kFirstIdBlock / 2;
  store::LeadCopy copy_;
  std::vector<store::RejectedRow> rejects_;
  store::ImportSummary summary_;
};

}  // namespace

void ImportSummaryToProto(const store::ImportSummary& s,
                          const std::vector<store::RejectedRow>& rejects,
                          v1::ImportListResponse* out) {
  out->set_import_id(s.id);
  out->set_status(s.status == "completed" ? v1::IMPORT_STATUS_COMPLETED
                  : s.status == "failed"  ? v1::IMPORT_STATUS_FAILED
                                          : v1::IMPORT_STATUS_RUNNING);
  out->set_campaign_id(s.campaign_id);
  out->set_file_name(s.file_name);
  out->set_rows_read(s.rows_read);
  out->set_imported(s.imported);
  out->set_merged_into_existing(s.merged_into_existing);
  out->set_rejected(s.rejected);
  out->set_no_usable_contact_route(s.no_usable_contact_route);
  out->set_without_lawful_basis(s.without_lawful_basis);
  out->set_suppressed(s.suppressed);
  for (size_t i = 0; i < rejects.size() && i < kRejectsInResponse; ++i) {
    v1::RejectedRow* r = out->add_rejected_rows();
    r->set_line(rejects[i].line);
    r->set_reason(rejects[i].reason);
  }
  out->set_error(s.error);
  ToProto(s.started_at, out->mutable_started_at());
  if (s.finished_at) ToProto(*s.finished_at, out->mutable_finished_at());
}

ImportJob::ImportJob(store::Pool& pool, v1::ImportHeader header, std::string created_by, Done done)
    : pool_(pool),
      header_(std::move(header)),
      created_by_(std::move(created_by)),
      done_(std::move(done)) {}

ImportJob::~ImportJob() {
  Cancel();
  if (thread_.joinable()) thread_.join();
}

void ImportJob::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ImportJob::Push(std::string chunk, std::function<void()> consumed) {
  absl::MutexLock lock(&mu_);
  chunks_.push_back({std::move(chunk), std::move(consumed)});
}

void ImportJob::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

void ImportJob::Cancel(absl::Status why) {
  absl::MutexLock lock(&mu_);
  if (cancelled_.ok()) cancelled_ = std::move(why);
}

absl::Status ImportJob::Cancelled() {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

absl::StatusOr<bool> ImportJob::NextChunk(std::string& out) {
  Chunk chunk;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ImportJob* j) ABSL_EXCLUSIVE_LOCKS_REQUIRED(j->mu_) {
          return !j->cancelled_.ok() || j->closed_ || !j->chunks_.empty();
        },
        this));
    if (!cancelled_.ok()) return cancelled_;
    if (chunks_.empty()) return false;  // closed, all consumed
    chunk = std::move(chunks_.front());
    chunks_.pop_front();
  }
  out = std::move(chunk.bytes);
  if (chunk.consumed) chunk.consumed();
  return true;
}

void ImportJob::Run() {
  absl::StatusOr<v1::ImportListResponse> result = Import();
  if (!result.ok()) {
    SV_LOG(Warning) << "import of " << header_.file_name() << " into campaign "
                    << header_.campaign_id() << " failed, nothing kept: " << result.status();
  }
  if (!result.ok() && header_.campaign_id() > 0) {
    // The import's own rows were rolled back with it; keep a record that it failed, and why.
    (void)store::InTransaction(pool_, [&](store::PgConn& conn) -> absl::Status {
      ASSIGN_OR_RETURN(int64_t id, store::InsertImport(conn, header_.campaign_id(),
                                                       header_.file_name(), created_by_, "failed"));
      store::ImportSummary failed{
          .id = id, .status = "failed", .error = std::string(result.status().message())};
      return store::FinishImport(conn, failed);
    });
  }
  done_(std::move(result));
}

absl::StatusOr<v1::ImportListResponse> ImportJob::Import() {
  if (header_.campaign_id() <= 0) {
    return absl::InvalidArgumentError("header.campaign_id: must be a campaign id above 0");
  }
  ASSIGN_OR_RETURN(store::Pool::Lease lease, pool_.Acquire());
  store::PgConn& conn = *lease;
  RETURN_IF_ERROR(conn.ExecScript("BEGIN"));
  auto rollback = [&](absl::Status s) {
    if (conn.broken() || !conn.ExecScript("ROLLBACK").ok()) lease.Discard();
    return s;
  };

  auto campaign = store::GetCampaign(conn, header_.campaign_id());
  if (!campaign.ok()) {
    return rollback(
        absl::IsNotFound(campaign.status())
            ? absl::NotFoundError(absl::StrCat("header.campaign_id: ", campaign.status().message()))
            : campaign.status());
  }
  if (campaign->kind != domain::CampaignKind::kPassiveList) {
    return rollback(absl::FailedPreconditionError(absl::StrCat(
        "header.campaign_id: campaign ", campaign->id, " is not a passive-list campaign")));
  }
  if (campaign->state == domain::CampaignState::kEnded) {
    return rollback(absl::FailedPreconditionError(
        absl::StrCat("header.campaign_id: campaign ", campaign->id, " has ended")));
  }
  intake::RowContext ctx{.campaign_id = campaign->id,
                         .now = absl::Now(),
                         .policy = campaign->marketing_policy,
                         .existing_customer_months = campaign->existing_customer_months,
                         .source = header_.file_name().empty() ? "upload" : header_.file_name()};
  for (const std::string& id : campaign->dealer_ids) {
    auto dealer = store::GetDealer(conn, id);
    if (!dealer.ok()) return rollback(dealer.status());
    ctx.dealer_countries[id] = dealer->country;
    if (id == campaign->dealer_ids.front()) absl::LoadTimeZone(dealer->time_zone, &ctx.time_zone);
  }
  if (!header_.dealer_id().empty()) {
    if (!ctx.dealer_countries.contains(header_.dealer_id())) {
      return rollback(
          absl::InvalidArgumentError(absl::StrCat("header.dealer_id: dealer '", header_.dealer_id(),
                                                  "' is not part of campaign ", campaign->id)));
    }
    ctx.default_dealer = header_.dealer_id();
  } else if (campaign->dealer_ids.size() == 1) {
    ctx.default_dealer = campaign->dealer_ids.front();
  }

  auto import_id = store::InsertImport(conn, campaign->id, ctx.source, created_by_, "running");
  if (!import_id.ok()) return rollback(import_id.status());
  Loader loader(conn, *import_id, absl::StrCat("import:", *import_id), ctx.source);
  if (absl::Status s = loader.LoadIdentities(campaign->dealer_ids); !s.ok()) return rollback(s);

  std::optional<Records> records;
  std::optional<intake::ColumnMap> columns;
  const std::map<std::string, std::string> mapping(header_.column_mapping().begin(),
                                                   header_.column_mapping().end());
  std::vector<table::Record> batch;
  std::deque<std::future<Normalized>> in_flight;
  bool input_done = false;

  auto submit = [&] {
    in_flight.push_back(std::async(std::launch::async, [&columns, &ctx, b = std::move(batch)] {
      Normalized out;
      out.reserve(b.size());
      for (const table::Record& r : b) {
        if (!r.error.empty()) {
          out.emplace_back(r.line, absl::InvalidArgumentError(r.error));
        } else {
          out.emplace_back(r.line, intake::NormalizeRow(r.line, r.fields, *columns, ctx));
        }
      }
      return out;
    }));
    batch.clear();
  };
  auto drain = [&](size_t keep) -> absl::Status {
    while (in_flight.size() > keep) {
      Normalized done = in_flight.front().get();
      in_flight.pop_front();
      RETURN_IF_ERROR(loader.Load(std::move(done)));
    }
    return absl::OkStatus();
  };

  absl::Status status;
  std::string chunk;
  int64_t received = 0;
  while (status.ok() && !input_done) {
    absl::StatusOr<bool> more = NextChunk(chunk);
    if (!more.ok()) {
      status = more.status();
      break;
    }
    if (!records) {
      records.emplace(IsXlsx(header_, chunk), header_.sheet_name());
      // Set before any row is normalised: the normaliser threads read ctx.
      ctx.serial_dates = records->xlsx();
    }
    if (*more) {
      received += static_cast<int64_t>(chunk.size());
      records->Feed(chunk);
    } else {
      input_done = true;
      if (header_.size_bytes() > 0 && received != header_.size_bytes()) {
        status = absl::InvalidArgumentError(
            absl::StrCat("chunk: ", received, " bytes arrived of the ", header_.size_bytes(),
                         " the header announced (header.size_bytes); nothing was imported"));
        break;
      }
      status = records->Finish();
      // Workbook rows are only read from here on: no normaliser has seen ctx yet.
      ctx.dates_from_1904 = records->uses_1904_dates();
    }
    while (status.ok()) {
      std::optional<table::Record> record = records->Next();
      if (!record) break;
      if (!columns) {
        auto mapped = intake::MapColumns(record->fields, mapping);
        if (!mapped.ok()) {
          status = mapped.status();
          break;
        }
        columns = *std::move(mapped);
        continue;
      }
      batch.push_back(*std::move(record));
      if (batch.size() >= kBatchRows) {
        submit();
        status = drain(kBatchesInFlight);
      }
    }
  }
  if (status.ok() && !records) status = absl::InvalidArgumentError("the file is empty");
  if (status.ok() && !columns) status = absl::InvalidArgumentError("the file has no header row");
  if (status.ok() && !batch.empty()) submit();
  // Finish the normalisers even on failure: they read `columns` and `ctx` from this frame.
  for (auto& f : in_flight) f.wait();
  if (status.ok()) status = drain(0);
  if (!status.ok()) return rollback(status);

  auto summary = loader.Finish(campaign->id);
  if (!summary.ok()) return rollback(summary.status());
  // A client that went away may look like one that finished sending: its cancellation can
  // arrive after the end of its stream. Nothing is committed for a cancelled call.
  if (absl::Status cancelled = Cancelled(); !cancelled.ok()) return rollback(cancelled);
  if (absl::Status s = conn.ExecScript("COMMIT"); !s.ok()) return rollback(s);
  summary->campaign_id = campaign->id;
  summary->file_name = ctx.source;
  auto stored = store::GetImport(conn, *import_id);
  v1::ImportListResponse response;
  ImportSummaryToProto(stored.ok() ? *stored : *summary, loader.rejects(), &response);
  SV_LOG(Info) << "import " << *import_id << " of campaign " << campaign->id << ": "
               << summary->rows_read << " rows, " << summary->imported << " new, "
               << summary->merged_into_existing << " merged, " << summary->rejected << " rejected";
  return response;
}

}  // namespace secondvoice::scheduler
