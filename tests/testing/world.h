// The world most integration tests start from: two dealers open around the clock, one BDC
// queue, active campaigns; and leads written straight into the database.
#ifndef SECONDVOICE_TESTS_TESTING_WORLD_H_
#define SECONDVOICE_TESTS_TESTING_WORLD_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/channel.h"
#include "gtest/gtest.h"
#include "libs/domain/types.h"
#include "libs/store/leads.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/dealer_service.pb.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::testing {

// Dealers "vandijk" and "jansen" open around the clock with no holidays (so that tests do not
// depend on the hour they run at; the calendar's own rules are unit-tested), queue "bdc-nl" in
// `mode`, and an active passive-list campaign of both dealers (and a second-voice campaign of
// vandijk when asked for).
void SetUpWorld(const std::shared_ptr<grpc::Channel>& channel, const std::string& admin,
                const std::string& manager, int64_t* list_campaign,
                int64_t* second_voice_campaign = nullptr,
                v1::DialingMode mode = v1::DIALING_MODE_PROGRESSIVE);

class Leads {
 public:
  explicit Leads(const std::string& url) {
    auto conn = store::PgConn::Connect(url, absl::Seconds(5));
    EXPECT_THAT(conn.status(), IsOk());
    conn_ = *std::move(conn);
  }

  // A lead with one fixed-line number (it cannot take SMS) and an e-mail address when `email`,
  // opted in.
  int64_t Add(const std::string& dealer, int64_t campaign,
              domain::LeadOrigin origin = domain::LeadOrigin::kListImport,
              domain::ConsentBasis basis = domain::ConsentBasis::kOptIn, bool email = false) {
    domain::Lead lead;
    lead.dealer_id = dealer;
    lead.campaign_id = campaign;
    lead.origin = origin;
    lead.kind = origin == domain::LeadOrigin::kListImport ? domain::LeadKind::kPassive
                                                          : domain::LeadKind::kActive;
    lead.first_name = absl::StrCat("Klant", ++n_);
    lead.consent.basis = basis;
    lead.consent.given_at = absl::Now() - absl::Hours(24 * 30);
    const std::string number = absl::StrCat("+3130", 1000000 + n_);
    lead.contact_routes.push_back({.channel = domain::Channel::kPhone,
                                   .raw_value = number,
                                   .normalized_value = number,
                                   .phone_type = domain::PhoneType::kFixedLine,
                                   .usable = true});
    if (email) {
      const std::string address = absl::StrCat("klant", n_, "@example.nl");
      lead.contact_routes.push_back({.channel = domain::Channel::kEmail,
                                     .raw_value = address,
                                     .normalized_value = address,
                                     .usable = true});
    }
    EXPECT_THAT(store::InsertLead(*conn_, lead, "test"), IsOk());
    numbers_[lead.id] = number;
    return lead.id;
  }

  const std::string& Number(int64_t lead) { return numbers_[lead]; }
  store::PgConn& conn() { return *conn_; }

  int64_t Count(const std::string& sql) {
    auto r = conn_->ExecOnce({"count", sql.c_str()});
    EXPECT_THAT(r.status(), IsOk());
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

 private:
  std::unique_ptr<store::PgConn> conn_;
  int n_ = 0;
  absl::flat_hash_map<int64_t, std::string> numbers_;
};

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_WORLD_H_
