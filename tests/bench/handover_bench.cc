// scripts/bench handover: how fast an appointment reaches the dealer's CRM, and what a CRM
// outage costs. Agents' appointments are recorded over gRPC at a steady rate against a real
// PostgreSQL; the daemon's dispatcher delivers each handover to the example dealer CRM (fsync
// before its ack) on loopback. Latency is from the handover's row (the outcome's transaction) to
// the CRM storing it, beside the same run's bare gRPC round trip to the CRM. Then the CRM stops
// for a while, appointments go on, and the CRM comes back on the same port: every handover
// must arrive once, and the backlog drain is timed from the moment the CRM is back.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
#include "services/example_crm/example_crm.h"
#include "services/scheduler/convert.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/world.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using testing::SchedulerHarness;

[[noreturn]] void Die(absl::string_view what) {
  std::cerr << "handover bench: " << what << "\n";
  std::exit(1);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  return SchedulerHarness::Context(token);
}

// Records appointments at `rate` per second from leads claimed in batches, on four threads;
// keeps the ids of the handovers they queued.
class Producer {
 public:
  Producer(std::shared_ptr<grpc::Channel> channel, double rate)
      : stub_(pb::Scheduling::NewStub(std::move(channel))), rate_(rate) {}

  // Produces until `until`.
  void Run(absl::Time until) {
    constexpr int kThreads = 4;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([this, t, until] {
        const absl::Duration every = absl::Seconds(kThreads / rate_);
        absl::Time next = absl::Now() + every * t / kThreads;
        while (next < until) {
          absl::SleepFor(next - absl::Now());
          next += every;
          One();
        }
      });
    }
    for (auto& t : threads) t.join();
  }

  std::vector<int64_t> TakeIds() {
    absl::MutexLock lock(&mu_);
    std::vector<int64_t> out;
    out.swap(ids_);
    return out;
  }
  int errors() {
    absl::MutexLock lock(&mu_);
    return errors_;
  }

 private:
  void One() {
    pb::ClaimedLead lead;
    {
      absl::MutexLock lock(&claim_mu_);
      if (claimed_.empty()) {
        pb::ClaimLeadsRequest req;
        req.set_queue_id("bdc-nl");
        req.set_max_leads(100);
        req.set_lease_seconds(3600);
        pb::ClaimLeadsResponse r;
        grpc::Status s = stub_->ClaimLeads(Ctx(testing::kAgentToken).get(), req, &r);
        if (!s.ok()) Die(absl::StrCat("claim: ", s.error_message()));
        if (r.leads().empty()) Die("no leads left to claim");
        claimed_.assign(r.leads().begin(), r.leads().end());
      }
      lead = claimed_.back();
      claimed_.pop_back();
    }
    pb::RecordAttemptRequest req;
    req.set_lead_id(lead.lead_id());
    req.set_lease_token(lead.lease_token());
    req.set_channel(pb::CHANNEL_PHONE);
    req.set_outcome(pb::ATTEMPT_OUTCOME_APPOINTMENT_SET);
    req.set_notes("wants a test drive");
    const absl::Time now = absl::Now();
    scheduler::ToProto(now - absl::Minutes(4), req.mutable_started_at());
    scheduler::ToProto(now, req.mutable_ended_at());
    pb::Appointment* a = req.mutable_appointment();
    scheduler::ToProto(now + absl::Hours(48), a->mutable_at());
    a->set_location("showroom");
    a->set_with_whom("sales");
    a->add_expectations(pb::CUSTOMER_EXPECTATION_TEST_DRIVE);
    req.mutable_statements()->set_needs("estate car, automatic");
    pb::RecordAttemptResponse r;
    grpc::Status s = stub_->RecordAttempt(Ctx(testing::kAgentToken).get(), req, &r);
    absl::MutexLock lock(&mu_);
    if (!s.ok() || r.handover_id() <= 0) {
      if (++errors_ <= 5) std::cerr << "appointment: " << s.error_message() << "\n";
      return;
    }
    ids_.push_back(r.handover_id());
  }

  std::unique_ptr<pb::Scheduling::Stub> stub_;
  const double rate_;
  absl::Mutex claim_mu_;
  std::vector<pb::ClaimedLead> claimed_ ABSL_GUARDED_BY(claim_mu_);
  absl::Mutex mu_;
  std::vector<int64_t> ids_ ABSL_GUARDED_BY(mu_);
  int errors_ ABSL_GUARDED_BY(mu_) = 0;
};

std::unique_ptr<example_crm::ExampleCrmServer> StartCrm(const std::string& store,
                                                        const std::string& listen) {
  auto crm = example_crm::ExampleCrmServer::Start({.store_path = store, .token = ""}, listen);
  if (!crm.ok()) Die(absl::StrCat("example CRM: ", crm.status().ToString()));
  return *std::move(crm);
}

// Handover id -> when the CRM stored it, for everything it has.
absl::flat_hash_map<int64_t, absl::Time> Received(example_crm::ExampleCrm& crm, int* records) {
  const pb::ListReceivedResponse all = crm.ListReceived();
  absl::flat_hash_map<int64_t, absl::Time> out;
  for (const pb::ReceivedHandover& h : all.handovers()) {
    out[h.handover().handover_id()] = *scheduler::FromProto(h.received_at());
  }
  *records = all.handovers_size();
  return out;
}

int Main(int argc, char** argv) {
  const double rate = argc > 1 ? std::atof(argv[1]) : 100;
  const absl::Duration steady = absl::Seconds(argc > 2 ? std::atoi(argv[2]) : 60);
  const absl::Duration outage = absl::Seconds(argc > 3 ? std::atoi(argv[3]) : 120);
  const absl::Duration after = absl::Seconds(30);  // appointments go on after the CRM is back
  const std::string url = testing::FreshDatabaseUrl();
  auto harness =
      SchedulerHarness::Start(url, absl::Milliseconds(100), [](scheduler::ServerOptions& o) {
        o.db_pool_size = 16;
        o.workers = 8;
      });
  if (harness == nullptr) Die("scheduler");
  int64_t campaign = 0;
  testing::SetUpWorld(harness->channel(), testing::kAdminToken, testing::kManagerToken, &campaign);
  const std::string dir = testing::TempDir();
  auto crm = StartCrm(dir + "/crm.store", "127.0.0.1:0");
  const std::string crm_addr = absl::StrCat("127.0.0.1:", crm->port());
  {
    auto dealers = pb::DealerService::NewStub(harness->channel());
    for (const char* id : {"vandijk", "jansen"}) {
      pb::GetDealerRequest get;
      get.set_id(id);
      pb::Dealer d;
      if (!dealers->GetDealer(Ctx(testing::kAdminToken).get(), get, &d).ok()) Die("dealer");
      d.set_crm_endpoint(crm_addr);
      pb::UpdateDealerRequest update;
      *update.mutable_dealer() = d;
      pb::Dealer updated;
      if (!dealers->UpdateDealer(Ctx(testing::kAdminToken).get(), update, &updated).ok()) {
        Die("dealer endpoint");
      }
    }
  }
  const int64_t total =
      static_cast<int64_t>(rate * absl::ToDoubleSeconds(steady + outage + after) * 1.1 + 400);
  std::cerr << "adding " << total << " leads\n";
  testing::Leads leads(url);
  for (int64_t i = 0; i < total; ++i) leads.Add(i % 2 ? "vandijk" : "jansen", campaign);

  // The baseline: the CRM call alone, from a plain client, with a packet of the same size.
  std::vector<double> bare_ms;
  {
    auto stub =
        pb::DealerCrm::NewStub(grpc::CreateChannel(crm_addr, grpc::InsecureChannelCredentials()));
    for (int i = 0; i < 500; ++i) {
      pb::Handover h;
      h.set_idempotency_key(absl::StrCat("bare-", i));
      h.set_dealer_id("bare");
      h.set_summary_text(std::string(1500, 'x'));
      h.set_adf_xml(std::string(2500, 'x'));
      pb::HandoverAck ack;
      grpc::ClientContext ctx;
      const absl::Time before = absl::Now();
      if (!stub->ReceiveHandover(&ctx, h, &ack).ok()) Die("bare CRM call");
      bare_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - before));
      absl::SleepFor(absl::Milliseconds(2));
    }
  }

  Producer producer(harness->channel(), rate);
  auto conn = store::PgConn::Connect(url, absl::Seconds(10));
  if (!conn.ok()) Die("connect");
  auto created_at = [&](const std::vector<int64_t>& ids) {
    absl::flat_hash_map<int64_t, absl::Time> out;
    if (ids.empty()) return out;
    const std::string sql = absl::StrCat("SELECT id, created_at FROM handovers WHERE id BETWEEN ",
                                         *std::min_element(ids.begin(), ids.end()), " AND ",
                                         *std::max_element(ids.begin(), ids.end()));
    auto r = (*conn)->ExecOnce({"created", sql.c_str()});
    if (!r.ok()) Die("created_at");
    for (int i = 0; i < r->rows(); ++i) out[r->GetInt64(i, 0)] = r->GetTime(i, 1);
    return out;
  };

  // 1. Steady: latency from the outcome's transaction to the CRM.
  std::cerr << "steady at " << rate << "/s for " << steady << "\n";
  const absl::Time start = absl::Now();
  producer.Run(start + steady);
  const std::vector<int64_t> steady_ids = producer.TakeIds();
  absl::SleepFor(absl::Seconds(3));
  int records = 0;
  absl::flat_hash_map<int64_t, absl::Time> got = Received(crm->crm(), &records);
  const auto created = created_at(steady_ids);
  std::vector<double> latency_ms;
  int missing = 0;
  for (int64_t id : steady_ids) {
    auto at = got.find(id);
    auto made = created.find(id);
    if (at == got.end() || made == created.end()) {
      ++missing;
      continue;
    }
    latency_ms.push_back(absl::ToDoubleMilliseconds(at->second - made->second));
  }
  const double achieved = steady_ids.size() / absl::ToDoubleSeconds(steady);

  // 2. The CRM is down for `outage`; appointments go on; it comes back on the same port.
  std::cerr << "the CRM is down for " << outage << "\n";
  crm.reset();
  producer.Run(absl::Now() + outage);
  std::vector<int64_t> outage_ids = producer.TakeIds();
  crm = StartCrm(dir + "/crm.store", crm_addr);
  const absl::Time back = absl::Now();
  std::cerr << "the CRM is back\n";
  const int64_t last_before_back =
      outage_ids.empty() ? 0 : *std::max_element(outage_ids.begin(), outage_ids.end());
  std::atomic<bool> drained{false};
  absl::Time drained_at = absl::InfiniteFuture();
  std::thread watch([&] {
    auto c = store::PgConn::Connect(url, absl::Seconds(10));
    if (!c.ok()) Die("connect");
    const std::string sql = absl::StrCat(
        "SELECT count(*) FROM handovers WHERE state <> 'delivered' AND id <= ", last_before_back);
    while (absl::Now() < back + absl::Minutes(10)) {
      auto r = (*c)->ExecOnce({"backlog", sql.c_str()});
      if (r.ok() && r->GetInt64(0, 0) == 0) {
        drained_at = absl::Now();
        drained = true;
        return;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
  producer.Run(back + after);
  for (int64_t id : producer.TakeIds()) outage_ids.push_back(id);
  watch.join();
  // Everything queued since the outage began must be at the CRM, once.
  const absl::Time settle_until = absl::Now() + absl::Minutes(3);
  int lost = 0;
  for (;;) {
    got = Received(crm->crm(), &records);
    lost = 0;
    for (int64_t id : outage_ids) lost += !got.contains(id);
    if (lost == 0 || absl::Now() > settle_until) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  const pb::ListReceivedResponse totals = crm->crm().ListReceived(/*omit_handovers=*/true);
  // The CRM keeps one record per key; a second record for one handover would be a duplicate
  // the CRM could not have recognised (a new key for the same appointment).
  int duplicates = 0;
  {
    const pb::ListReceivedResponse all = crm->crm().ListReceived();
    absl::flat_hash_set<int64_t> seen;
    for (const pb::ReceivedHandover& h : all.handovers()) {
      const int64_t id = h.handover().handover_id();
      if (id != 0 && !seen.insert(id).second) ++duplicates;  // 0: the baseline's calls
    }
  }
  const double drain_s = drained ? absl::ToDoubleSeconds(drained_at - back) : -1;

  std::cout << absl::StrFormat(
      "appointments at %.0f/s (asked %.0f/s) for %s: %d handovers, %d not at the CRM after 3 s\n",
      achieved, rate, absl::FormatDuration(steady), steady_ids.size(), missing);
  std::cout << absl::StrFormat(
      "path                              p50 ms   p99 ms   max ms\n"
      "bare CRM call (plain client)    %8.2f %8.2f %8.2f\n"
      "appointment -> CRM stored       %8.2f %8.2f %8.2f\n",
      Percentile(bare_ms, 0.5), Percentile(bare_ms, 0.99), Percentile(bare_ms, 1.0),
      Percentile(latency_ms, 0.5), Percentile(latency_ms, 0.99), Percentile(latency_ms, 1.0));
  std::cout << absl::StrFormat(
      "outage of %s: %d handovers queued from its start to %s after; %d lost, %d duplicates at "
      "the CRM (%d deliveries it recognised as repeats); backlog delivered %.1f s after the CRM "
      "came back; %d producer errors\n",
      absl::FormatDuration(outage), outage_ids.size(), absl::FormatDuration(after), lost,
      duplicates, totals.duplicates(), drain_s, producer.errors());
  std::cout << absl::StrFormat(
      "{\"bench\":\"handover\",\"rate_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"outage\":{\"handovers\":%d,\"lost\":%d,\"duplicates\":%d,\"drain_s\":%.1f}}\n",
      achieved, Percentile(latency_ms, 0.5), Percentile(latency_ms, 0.99), outage_ids.size(), lost,
      duplicates, drain_s);
  return 0;
}

}  // namespace
}  // namespace secondvoice

int main(int argc, char** argv) { return secondvoice::Main(argc, argv); }
