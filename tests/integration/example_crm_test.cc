// The example dealer CRM in-process over real gRPC on 127.0.0.1 with a store in a fresh temp
// directory: durable deduplication across restarts, the misbehaviour controls, auth, torn tails.
#include "services/example_crm/example_crm.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "secondvoice/v1/example_crm.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::google::protobuf::util::MessageDifferencer;
using ::secondvoice::example_crm::ExampleCrm;
using ::secondvoice::example_crm::ExampleCrmServer;
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A handover with most of its parts filled, so a round trip through the store shows loss.
pb::Handover MakeHandover(const std::string& key, const std::string& dealer = "vandijk") {
  pb::Handover h;
  h.set_idempotency_key(key);
  h.set_handover_id(17);
  h.set_dealer_id(dealer);
  h.set_lead_id(4242);
  h.mutable_customer()->set_first_name("Eva");
  h.mutable_customer()->set_last_name("de Vries");
  h.mutable_customer()->set_language("nl");
  pb::ContactHistoryEntry* contact = h.add_history();
  contact->mutable_at()->set_seconds(1'700'000'000);
  contact->set_outcome_text("talked 6 min, appointment set");
  contact->set_by("agent-anna");
  h.mutable_customer_statements()->set_needs("7 seats, tow bar, under 30k");
  h.mutable_appointment()->mutable_at()->set_seconds(1'700'100'000);
  h.mutable_appointment()->set_location("Van Dijk Utrecht, Atoomweg 1");
  h.set_bdc_agent("anna");
  h.set_summary_text("Eva de Vries wants a 7-seater; comes Saturday 10:00.");
  h.set_adf_xml("<?xml version=\"1.0\"?><adf><prospect/></adf>");
  h.mutable_created_at()->set_seconds(1'700'000'100);
  return h;
}

class ExampleCrmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir_template = ::testing::TempDir() + "example_crm_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
    dir_ = dir_template;
    store_ = dir_ + "/crm.store";
    StartCrm();
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // (Re)starts the CRM on the same store file, as after a crash or a redeploy.
  void StartCrm(const std::string& token = "") {
    server_.reset();
    absl::StatusOr<std::unique_ptr<ExampleCrmServer>> server =
        ExampleCrmServer::Start({.store_path = store_, .token = token}, "127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    crm_ = pb::DealerCrm::NewStub(channel_);
    control_ = pb::ExampleCrmControl::NewStub(channel_);
  }

  grpc::Status Deliver(const pb::Handover& handover, pb::HandoverAck* ack,
                       absl::Duration deadline = absl::Seconds(10), const std::string& token = "") {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    return crm_->ReceiveHandover(&ctx, handover, ack);
  }

  grpc::Status SetBehaviour(const pb::SetBehaviourRequest& behaviour) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    pb::SetBehaviourResponse out;
    return control_->SetBehaviour(&ctx, behaviour, &out);
  }

  pb::ListReceivedResponse List() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    pb::ListReceivedResponse out;
    grpc::Status s = control_->ListReceived(&ctx, pb::ListReceivedRequest(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  uintmax_t StoreSize() const { return std::filesystem::file_size(store_); }

  void AppendToStore(const std::string& bytes) {
    std::ofstream(store_, std::ios::binary | std::ios::app) << bytes;
  }

  std::string dir_;
  std::string store_;
  std::unique_ptr<ExampleCrmServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::DealerCrm::Stub> crm_;
  std::unique_ptr<pb::ExampleCrmControl::Stub> control_;
};

TEST_F(ExampleCrmTest, NewHandoverIsStoredAndListedOnce) {
  const absl::Time before = absl::Now();
  const pb::Handover sent = MakeHandover("ho-17-a");
  pb::HandoverAck ack;
  ASSERT_THAT(Deliver(sent, &ack), IsOk());
  EXPECT_TRUE(ack.accepted());
  EXPECT_FALSE(ack.duplicate());
  EXPECT_EQ(ack.crm_reference(), "crm-000001");
  EXPECT_THAT(ack.rejection_reason(), IsEmpty());

  const pb::ListReceivedResponse list = List();
  ASSERT_EQ(list.handovers_size(), 1);
  const pb::ReceivedHandover& got = list.handovers(0);
  EXPECT_TRUE(MessageDifferencer::Equals(got.handover(), sent)) << got.handover().DebugString();
  EXPECT_EQ(got.crm_reference(), "crm-000001");
  EXPECT_EQ(got.deliveries(), 1);
  EXPECT_GE(got.received_at().seconds(), absl::ToUnixSeconds(before));
  EXPECT_LE(got.received_at().seconds(), absl::ToUnixSeconds(absl::Now()));
  EXPECT_EQ(list.calls(), 1);
  EXPECT_EQ(list.duplicates(), 0);
  EXPECT_EQ(list.failed_on_purpose(), 0);
  EXPECT_EQ(list.stored(), 1);
}

TEST_F(ExampleCrmTest, SameKeyAgainIsADuplicateWithTheSameReference) {
  pb::HandoverAck first;
  ASSERT_THAT(Deliver(MakeHandover("ho-1"), &first), IsOk());
  const uintmax_t size_after_first = StoreSize();

  // A retry may carry a changed packet; the key alone decides.
  pb::Handover again = MakeHandover("ho-1");
  again.set_summary_text("changed on the retry");
  pb::HandoverAck second;
  ASSERT_THAT(Deliver(again, &second), IsOk());
  EXPECT_TRUE(second.accepted());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.crm_reference(), first.crm_reference());
  EXPECT_EQ(StoreSize(), size_after_first) << "a duplicate must not add a record";

  pb::HandoverAck other;
  ASSERT_THAT(Deliver(MakeHandover("ho-2"), &other), IsOk());
  EXPECT_FALSE(other.duplicate());
  EXPECT_EQ(other.crm_reference(), "crm-000002");

  const pb::ListReceivedResponse list = List();
  ASSERT_EQ(list.handovers_size(), 2);
  EXPECT_EQ(list.handovers(0).handover().idempotency_key(), "ho-1");
  EXPECT_EQ(list.handovers(0).deliveries(), 2);
  EXPECT_EQ(list.handovers(0).handover().summary_text(), MakeHandover("ho-1").summary_text())
      << "the first delivery is what the CRM keeps";
  EXPECT_EQ(list.handovers(1).handover().idempotency_key(), "ho-2");
  EXPECT_EQ(list.handovers(1).deliveries(), 1);
  EXPECT_EQ(list.calls(), 3);
  EXPECT_EQ(list.duplicates(), 1);
}

TEST_F(ExampleCrmTest, DeduplicationSurvivesARestart) {
  const pb::Handover a = MakeHandover("ho-a");
  const pb::Handover b = MakeHandover("ho-b", "jansen");
  pb::HandoverAck ack;
  ASSERT_THAT(Deliver(a, &ack), IsOk());
  ASSERT_THAT(Deliver(b, &ack), IsOk());
  const pb::ListReceivedResponse before = List();
  ASSERT_EQ(before.handovers_size(), 2);

  StartCrm();  // the old server and its CRM are destroyed first

  const pb::ListReceivedResponse after = List();
  ASSERT_EQ(after.handovers_size(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(
        MessageDifferencer::Equals(after.handovers(i).handover(), before.handovers(i).handover()))
        << after.handovers(i).DebugString();
    EXPECT_TRUE(MessageDifferencer::Equals(after.handovers(i).received_at(),
                                           before.handovers(i).received_at()));
    EXPECT_EQ(after.handovers(i).crm_reference(), before.handovers(i).crm_reference());
    EXPECT_EQ(after.handovers(i).deliveries(), 1);
  }
  EXPECT_TRUE(MessageDifferencer::Equals(after.handovers(0).handover(), a));
  EXPECT_TRUE(MessageDifferencer::Equals(after.handovers(1).handover(), b));
  EXPECT_EQ(after.calls(), 0) << "totals count since the process started";

  pb::HandoverAck again;
  ASSERT_THAT(Deliver(a, &again), IsOk());
  EXPECT_TRUE(again.accepted());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.crm_reference(), "crm-000001");

  pb::HandoverAck fresh;
  ASSERT_THAT(Deliver(MakeHandover("ho-c"), &fresh), IsOk());
  EXPECT_FALSE(fresh.duplicate());
  EXPECT_EQ(fresh.crm_reference(), "crm-000003") << "references are not reused after a restart";
  EXPECT_EQ(List().handovers(0).deliveries(), 2);
}

TEST_F(ExampleCrmTest, MissingKeyOrDealerIsInvalidArgumentNamingTheField) {
  pb::HandoverAck ack;
  EXPECT_THAT(Deliver(MakeHandover(""), &ack),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("idempotency_key")));
  EXPECT_THAT(Deliver(MakeHandover("ho-1", ""), &ack),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dealer_id")));
  EXPECT_EQ(List().stored(), 0);
}

TEST_F(ExampleCrmTest, FailAnswersUnavailableUntilCleared) {
  pb::SetBehaviourRequest behaviour;
  behaviour.set_fail(true);
  ASSERT_THAT(SetBehaviour(behaviour), IsOk());
  pb::HandoverAck ack;
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(Deliver(MakeHandover("ho-1"), &ack), StatusIs(absl::StatusCode::kUnavailable));
  }
  pb::ListReceivedResponse list = List();
  EXPECT_EQ(list.failed_on_purpose(), 3);
  EXPECT_EQ(list.stored(), 0) << "a failed call must not store";

  ASSERT_THAT(SetBehaviour(pb::SetBehaviourRequest()), IsOk());
  ASSERT_THAT(Deliver(MakeHandover("ho-1"), &ack), IsOk());
  EXPECT_TRUE(ack.accepted());
  EXPECT_FALSE(ack.duplicate());
  list = List();
  EXPECT_EQ(list.calls(), 4);
  EXPECT_EQ(list.failed_on_purpose(), 3);
  EXPECT_EQ(list.stored(), 1);
}

TEST_F(ExampleCrmTest, FailNextFailsExactlyThatManyCalls) {
  pb::SetBehaviourRequest behaviour;
  behaviour.set_fail_next(2);
  ASSERT_THAT(SetBehaviour(behaviour), IsOk());
  pb::HandoverAck ack;
  EXPECT_THAT(Deliver(MakeHandover("ho-1"), &ack), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Deliver(MakeHandover("ho-1"), &ack), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_THAT(Deliver(MakeHandover("ho-1"), &ack), IsOk());
  EXPECT_TRUE(ack.accepted());
  EXPECT_FALSE(ack.duplicate());
  ASSERT_THAT(Deliver(MakeHandover("ho-2"), &ack), IsOk());
  const pb::ListReceivedResponse list = List();
  EXPECT_EQ(list.calls(), 4);
  EXPECT_EQ(list.failed_on_purpose(), 2);
  EXPECT_EQ(list.stored(), 2);
}

TEST_F(ExampleCrmTest, NegativeBehaviourIsInvalidArgument) {
  pb::SetBehaviourRequest behaviour;
  behaviour.set_fail_next(-1);
  EXPECT_THAT(SetBehaviour(behaviour),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fail_next")));
  behaviour.set_fail_next(0);
  behaviour.set_delay_ms(-5);
  EXPECT_THAT(SetBehaviour(behaviour),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("delay_ms")));
}

TEST_F(ExampleCrmTest, DelayMakesAShortDeadlineExpireAndALongOneSucceed) {
  constexpr absl::Duration kDelay = absl::Milliseconds(600);
  pb::SetBehaviourRequest behaviour;
  behaviour.set_delay_ms(absl::ToInt64Milliseconds(kDelay));
  ASSERT_THAT(SetBehaviour(behaviour), IsOk());

  pb::HandoverAck ack;
  EXPECT_THAT(Deliver(MakeHandover("ho-slow"), &ack, absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));

  // While that answer is still pending, the CRM answers other calls at once.
  const absl::Time list_start = absl::Now();
  EXPECT_EQ(List().stored(), 1) << "the handover is stored at once; only the answer is late";
  EXPECT_LT(absl::Now() - list_start, kDelay);

  const absl::Time start = absl::Now();
  ASSERT_THAT(Deliver(MakeHandover("ho-slow"), &ack, absl::Seconds(10)), IsOk());
  EXPECT_GE(absl::Now() - start, kDelay);
  EXPECT_TRUE(ack.accepted());
  EXPECT_TRUE(ack.duplicate()) << "the caller that gave up had delivered it anyway";
  EXPECT_EQ(ack.crm_reference(), "crm-000001");
}

TEST_F(ExampleCrmTest, ManyDelayedCallsWaitConcurrently) {
  // Sixteen calls each delayed 500 ms finish in about 500 ms, not 8 s: no thread sleeps per call.
  pb::SetBehaviourRequest behaviour;
  behaviour.set_delay_ms(500);
  ASSERT_THAT(SetBehaviour(behaviour), IsOk());
  constexpr int kCalls = 16;
  grpc::CompletionQueue cq;
  struct Call {
    grpc::ClientContext ctx;
    pb::HandoverAck ack;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<pb::HandoverAck>> reader;
  };
  std::vector<std::unique_ptr<Call>> calls;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    auto call = std::make_unique<Call>();
    call->ctx.set_deadline(absl::ToChronoTime(start + absl::Seconds(30)));
    call->reader =
        crm_->AsyncReceiveHandover(&call->ctx, MakeHandover(absl::StrCat("ho-", i)), &cq);
    call->reader->Finish(&call->ack, &call->status, call.get());
    calls.push_back(std::move(call));
  }
  for (int i = 0; i < kCalls; ++i) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    EXPECT_TRUE(ok);
    EXPECT_THAT(static_cast<Call*>(tag)->status, IsOk());
  }
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(500));
  EXPECT_LT(took, absl::Seconds(4));
  EXPECT_EQ(List().stored(), kCalls);
}

TEST_F(ExampleCrmTest, ShutdownDoesNotWaitOutLongDelays) {
  pb::SetBehaviourRequest behaviour;
  behaviour.set_delay_ms(60'000);
  ASSERT_THAT(SetBehaviour(behaviour), IsOk());
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  pb::HandoverAck ack;
  grpc::Status status;
  auto reader = crm_->AsyncReceiveHandover(&ctx, MakeHandover("ho-1"), &cq);
  reader->Finish(&ack, &status, nullptr);
  // Wait until the call has arrived and is waiting out its delay.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (List().calls() == 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(List().calls(), 1);

  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // The answer is brought forward to the end of the grace period, where gRPC also cancels what
  // is left and closes the connection: whichever comes first, the caller gets an answer now, not
  // in a minute (the ack, or a status that says "try again").
  if (status.ok()) {
    EXPECT_TRUE(ack.accepted());
    EXPECT_EQ(ack.crm_reference(), "crm-000001");
  } else {
    EXPECT_THAT(status.error_code(),
                ::testing::AnyOf(grpc::StatusCode::CANCELLED, grpc::StatusCode::UNAVAILABLE))
        << status.error_message();
  }
}

TEST_F(ExampleCrmTest, RefusedDealerIsNotAcceptedWithAReason) {
  pb::SetBehaviourRequest behaviour;
  behaviour.add_refuse_dealers("unknown-dealer");
  ASSERT_THAT(SetBehaviour(behaviour), IsOk());

  pb::HandoverAck ack;
  ASSERT_THAT(Deliver(MakeHandover("ho-1", "unknown-dealer"), &ack), IsOk());
  EXPECT_FALSE(ack.accepted());
  EXPECT_THAT(ack.rejection_reason(), HasSubstr("unknown-dealer"));
  EXPECT_THAT(ack.crm_reference(), IsEmpty());

  ASSERT_THAT(Deliver(MakeHandover("ho-2", "vandijk"), &ack), IsOk());
  EXPECT_TRUE(ack.accepted());

  const pb::ListReceivedResponse list = List();
  ASSERT_EQ(list.handovers_size(), 1);
  EXPECT_EQ(list.handovers(0).handover().dealer_id(), "vandijk");
  EXPECT_EQ(list.refused(), 1);
  EXPECT_EQ(list.calls(), 2);
}

TEST_F(ExampleCrmTest, TokenIsRequiredWhenConfigured) {
  StartCrm("s3cret");
  pb::HandoverAck ack;
  EXPECT_THAT(Deliver(MakeHandover("ho-1"), &ack),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("authorization")));
  EXPECT_THAT(Deliver(MakeHandover("ho-1"), &ack, absl::Seconds(10), "wrong"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(List().stored(), 0);

  ASSERT_THAT(Deliver(MakeHandover("ho-1"), &ack, absl::Seconds(10), "s3cret"), IsOk());
  EXPECT_TRUE(ack.accepted());
  EXPECT_EQ(List().stored(), 1);
}

TEST_F(ExampleCrmTest, TornLastRecordIsIgnoredOnOpen) {
  pb::HandoverAck ack;
  ASSERT_THAT(Deliver(MakeHandover("ho-1"), &ack), IsOk());
  ASSERT_THAT(Deliver(MakeHandover("ho-2"), &ack), IsOk());
  server_.reset();
  const uintmax_t good_size = StoreSize();

  // Shorter than a record header.
  AppendToStore("xyz");
  StartCrm();
  EXPECT_EQ(List().stored(), 2);
  EXPECT_EQ(StoreSize(), good_size) << "the torn tail is cut off";

  // A header whose length runs past the end of the file, then part of a payload.
  server_.reset();
  AppendToStore(std::string("\x40\x00\x00\x00\x12\x34\x56\x78partial", 15));
  StartCrm();
  const pb::ListReceivedResponse list = List();
  ASSERT_EQ(list.handovers_size(), 2);
  EXPECT_EQ(list.handovers(1).handover().idempotency_key(), "ho-2");
  EXPECT_EQ(StoreSize(), good_size);

  // Appends after the cut are whole again and survive another restart.
  ASSERT_THAT(Deliver(MakeHandover("ho-3"), &ack), IsOk());
  EXPECT_EQ(ack.crm_reference(), "crm-000003");
  StartCrm();
  ASSERT_THAT(Deliver(MakeHandover("ho-3"), &ack), IsOk());
  EXPECT_TRUE(ack.duplicate());
  EXPECT_EQ(List().stored(), 3);
}

TEST_F(ExampleCrmTest, CorruptRecordBeforeTheLastIsDataLoss) {
  pb::HandoverAck ack;
  ASSERT_THAT(Deliver(MakeHandover("ho-1"), &ack), IsOk());
  ASSERT_THAT(Deliver(MakeHandover("ho-2"), &ack), IsOk());
  server_.reset();
  const uintmax_t size = StoreSize();
  {
    // Flip a byte inside the first record's payload (after the 8-byte magic and its header).
    std::fstream f(store_, std::ios::binary | std::ios::in | std::ios::out);
    constexpr std::streamoff kAt = 8 + 8 + 10;
    f.seekg(kAt);
    const char c = static_cast<char>(f.get());
    f.seekp(kAt);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  ExampleCrm crm({.store_path = store_});
  EXPECT_THAT(crm.Open(), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(StoreSize(), size) << "acknowledged handovers must not be cut off";
}

TEST_F(ExampleCrmTest, RefusesAFileThatIsNotAStore) {
  const std::string other = dir_ + "/notes.txt";
  const std::string notes = "important notes, not a CRM store\n";
  std::ofstream(other) << notes;
  ExampleCrm crm({.store_path = other});
  EXPECT_THAT(crm.Open(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(std::filesystem::file_size(other), notes.size()) << "left as it was";
}

TEST_F(ExampleCrmTest, HealthSaysServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_THAT(health->Check(&ctx, req, &resp), IsOk());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace secondvoice
