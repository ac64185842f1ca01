// AdminService: database status and migrations for operators.
#include "libs/common/status_macros.h"
#include "libs/store/migrations.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {

ServerUnaryReactor* AdminServiceImpl::GetStatus(CallbackServerContext* ctx,
                                                const v1::GetStatusRequest*,
                                                v1::GetStatusResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.AdminService/GetStatus",
      [this, resp](const auth::Principal&) -> absl::Status {
        resp->set_version(SECONDVOICE_VERSION);
        resp->set_database_reachable(env_.db->ready());
        std::vector<int> applied;
        if (env_.db->ready()) {
          RETURN_IF_ERROR(store::InTransaction(
              env_.db->pool(),
              [&](store::PgConn& conn) -> absl::Status {
                ASSIGN_OR_RETURN(applied, store::AppliedVersions(conn));
                return absl::OkStatus();
              },
              store::Access::kReadOnly));
        }
        for (const store::Migration& m : store::Migrations()) {
          v1::Migration* out = resp->add_migrations();
          out->set_version(m.version);
          out->set_name(std::string(m.name));
          out->set_applied(std::find(applied.begin(), applied.end(), m.version) != applied.end());
        }
        if (!applied.empty()) resp->set_schema_version(applied.back());
        return absl::OkStatus();
      },
      Needs::kNothing);
}

ServerUnaryReactor* AdminServiceImpl::Migrate(CallbackServerContext* ctx, const v1::MigrateRequest*,
                                              v1::MigrateResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.AdminService/Migrate",
      [this, resp](const auth::Principal&) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<int> applied, env_.db->MigrateNow());
        for (int v : applied) resp->add_applied(v);
        resp->set_schema_version(store::Migrations().empty() ? 0
                                                             : store::Migrations().back().version);
        return absl::OkStatus();
      },
      Needs::kNothing);
}

}  // namespace secondvoice::scheduler
