// TLS on the gRPC port, with certificates made by openssl the way an operator would: plaintext
// and untrusted clients cannot talk to it; with mutual TLS on, a crm token counts only over a
// connection with a client certificate the server's CRM roots signed.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "libs/common/file.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::SchedulerHarness;

// In `dir`: CA "server-ca" and the daemon's certificate for 127.0.0.1 and localhost; CA
// "crm-ca" and a CRM's client certificate; and "rogue-ca" with a certificate of each kind.
void MakeCertificates(const std::string& dir) {
  const std::string script = absl::StrCat(R"(set -e
cd ')",
                                          dir, R"('
ca() { openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -keyout "$1.key" -out "$1.pem"; }
issue() {  # NAME CA
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem"
}
ca server-ca; ca crm-ca; ca rogue-ca
issue server server-ca; issue crm crm-ca; issue rogue-server rogue-ca; issue rogue-crm rogue-ca
)");
  const std::string path = dir + "/make.sh";
  std::ofstream(path) << script;
  const std::string cmd = absl::StrCat("bash ", path, " >", dir, "/openssl.log 2>&1");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadFile(dir + "/openssl.log").value_or("");
}

std::string Pem(const std::string& dir, const std::string& name) {
  return ReadFile(absl::StrCat(dir, "/", name)).value_or("");
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = secondvoice::testing::TempDir();
    MakeCertificates(dir_);
    url_ = secondvoice::testing::FreshDatabaseUrl();
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  std::unique_ptr<SchedulerHarness> Start(bool mutual) {
    return SchedulerHarness::Start(
        url_, absl::Milliseconds(100),
        [&](scheduler::ServerOptions& o) {
          o.tls.cert_chain_pem = Pem(dir_, "server.pem");
          o.tls.private_key_pem = Pem(dir_, "server.key");
          if (mutual) o.tls.client_ca_pem = Pem(dir_, "crm-ca.pem");
        },
        Credentials("server-ca.pem"));
  }

  // Trusting `roots`, presenting `client` (NAME.pem and NAME.key) when given.
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& roots,
                                                        const std::string& client = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Pem(dir_, roots);
    if (!client.empty()) {
      ssl.pem_cert_chain = Pem(dir_, client + ".pem");
      ssl.pem_private_key = Pem(dir_, client + ".key");
    }
    return grpc::SslCredentials(ssl);
  }

  grpc::Status ListDealers(int port, std::shared_ptr<grpc::ChannelCredentials> credentials,
                           const std::string& token) {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), std::move(credentials));
    auto stub = pb::DealerService::NewStub(channel);
    pb::ListDealersRequest req;
    pb::ListDealersResponse out;
    auto ctx = SchedulerHarness::Context(token);
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
    return stub->ListDealers(ctx.get(), req, &out);
  }

  std::string dir_;
  std::string url_;
};

TEST_F(TlsTest, OnlyClientsThatTrustTheServerGetIn) {
  auto harness = Start(/*mutual=*/false);
  ASSERT_NE(harness, nullptr);
  const int port = harness->port();
  grpc::Status s =
      ListDealers(port, Credentials("server-ca.pem"), secondvoice::testing::kManagerToken);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Without mutual TLS every role may come without a client certificate.
  EXPECT_TRUE(
      ListDealers(port, Credentials("server-ca.pem"), secondvoice::testing::kCrmToken).ok());
  EXPECT_EQ(
      ListDealers(port, grpc::InsecureChannelCredentials(), secondvoice::testing::kManagerToken)
          .error_code(),
      grpc::UNAVAILABLE);
  EXPECT_EQ(ListDealers(port, Credentials("rogue-ca.pem"), secondvoice::testing::kManagerToken)
                .error_code(),
            grpc::UNAVAILABLE);

  // The command-line tool with --tls-ca, and without it.
  auto cli = [&](const std::string& flags) {
    const std::string cmd = absl::StrCat(SV_BIN_DIR, "/secondvoice --addr=127.0.0.1:", port,
                                         " --token=", secondvoice::testing::kManagerToken, " ",
                                         flags, " dealer list >/dev/null 2>&1");
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(cli(absl::StrCat("--tls-ca=", dir_, "/server-ca.pem")), 0);
  EXPECT_EQ(cli(""), 1);
  EXPECT_EQ(cli(absl::StrCat("--tls-ca=", dir_, "/rogue-ca.pem")), 1);
  EXPECT_EQ(cli(absl::StrCat("--tls-ca=", dir_, "/no-such.pem")), 2);
}

TEST_F(TlsTest, WithMutualTlsACrmTokenNeedsItsClientCertificate) {
  auto harness = Start(/*mutual=*/true);
  ASSERT_NE(harness, nullptr);
  const int port = harness->port();
  // Managers, agents and operators still come with a token alone.
  EXPECT_TRUE(
      ListDealers(port, Credentials("server-ca.pem"), secondvoice::testing::kManagerToken).ok());
  // A CRM's token without its certificate is not enough...
  grpc::Status s = ListDealers(port, Credentials("server-ca.pem"), secondvoice::testing::kCrmToken);
  EXPECT_EQ(s.error_code(), grpc::UNAUTHENTICATED) << s.error_message();
  EXPECT_NE(s.error_message().find("client certificate"), std::string::npos);
  // ...with it, it is.
  s = ListDealers(port, Credentials("server-ca.pem", "crm"), secondvoice::testing::kCrmToken);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // A certificate the CRM roots did not sign does not even get a connection.
  EXPECT_EQ(
      ListDealers(port, Credentials("server-ca.pem", "rogue-crm"), secondvoice::testing::kCrmToken)
          .error_code(),
      grpc::UNAVAILABLE);
}

}  // namespace
}  // namespace secondvoice
