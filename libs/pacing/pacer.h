// Pacing: how many calls a queue places now. Progressive places one call per free agent and
// never abandons; predictive places more, from a model of who answers when and which agents come
// free when, so that agents wait less while abandoned calls stay under the cap; a VICIdial-style
// adaptive dial level is the industry baseline it is measured against. Every decision says why.
// Pure: the queue's state, estimates and ledger come in; the caller places the calls.
#ifndef SECONDVOICE_LIBS_PACING_PACER_H_
#define SECONDVOICE_LIBS_PACING_PACER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/pacing/abandon_ledger.h"
#include "libs/pacing/estimates.h"

namespace secondvoice::pacing {

enum class Mode { kPreview, kProgressive, kPredictive };
absl::string_view ModeName(Mode mode);

// The queue as it is now.
struct QueueView {
  absl::Time now;
  int ready = 0;                         // agents waiting for a call
  std::vector<absl::Duration> talking;   // per agent in a conversation: for how long
  std::vector<absl::Duration> wrapping;  // per agent in wrap-up: for how long
  std::vector<absl::Duration> ringing;   // per placed call not yet answered: since originate
  int waiting = 0;                       // people who said hello and wait for an agent
  int LoggedIn() const { return ready + static_cast<int>(talking.size() + wrapping.size()); }
};

struct Decision {
  int calls = 0;                   // to place now
  Mode mode = Mode::kProgressive;  // what decided (predictive falls back to progressive)
  double dial_level = 1.0;         // calls in progress per agent that this decision aims at
  double expected_answers = 0;     // of all calls in progress once these are placed
  double expected_abandons = 0;    // what the calls placed by the model add to the abandons
  std::string why;
};

class Pacer {
 public:
  virtual ~Pacer() = default;
  virtual absl::string_view name() const = 0;
  virtual Decision Decide(const QueueView& queue, const Estimates& estimates,
                          const AbandonLedger& ledger) = 0;
};

// One call per ready agent that has none on the way.
class ProgressivePacer final : public Pacer {
 public:
  absl::string_view name() const override { return "progressive"; }
  Decision Decide(const QueueView& queue, const Estimates& estimates,
                  const AbandonLedger& ledger) override;
};

class PredictivePacer final : public Pacer {
 public:
  struct Options {
    // The most that one more call may add to the abandons expected, per answer it brings,
    // before calibration; the hard cap is kAbandonCap over the rolling 24 h, checked against
    // the ledger on every decision.
    double risk = 0.02;
    // The abandon rate the calibration steers the recent past to, under the cap: once a minute
    // the risk moves by (aim / rate)^gain, by at most 10% a step and within the range (as
    // multiples of `risk`); the rate is that of the window, read as if `calibration_prior`
    // (at least 1) answers at the aim came first.
    double aim = 0.02;
    absl::Duration calibration_window = absl::Hours(4);
    double calibration_prior = 300;
    double calibration_gain = 0.1;
    std::pair<double, double> calibration_range = {0.3, 3.0};
    // Live answers in the last 24 h before the abandon rate means anything: progressive until.
    int min_answered = 100;
    // Below these the model is not trusted: progressive.
    int min_agents = 2;
    int min_calls = 40;
    int min_conversations = 30;
    // Progressive while more than this share of the agents in conversation have talked longer
    // than 90% of the conversations measured (the measured ones are still the short ones).
    double max_longer_talks = 0.3;
    // Keeps this many abandons of headroom under the 24 h cap...
    double reserve = 1.0;
    // ...for the calls in progress turning out this many standard deviations worse than
    // expected, against this share of the answers (under the cap: a bad hour must not spend
    // it all).
    double guard_z = 2.0;
    double guard_cap = 0.026;
    // How far ahead the model looks (longer than any ring).
    absl::Duration horizon = absl::Seconds(40);
    // Never more calls in progress than this per logged-in agent.
    double max_level = 12.0;
  };
  PredictivePacer() : PredictivePacer(Options()) {}
  explicit PredictivePacer(Options options) : options_(options) {}
  absl::string_view name() const override { return "predictive"; }
  Decision Decide(const QueueView& queue, const Estimates& estimates,
                  const AbandonLedger& ledger) override;

 private:
  const Options options_;
  double calibration_ = 1.0;
  absl::Time next_calibration_ = absl::InfinitePast();
};

// The VICIdial-style adaptive baseline, re-implemented from its published behaviour
// (AST_VDadapt): every 15 s the dial level moves with (ready agents - waiting calls) per active
// agent, clamped to [1, 3]; once the day's drop rate passes the cap it is held at 1. The dialer
// keeps level x active agents calls in progress (ringing, waiting and in conversation).
class VicidialPacer final : public Pacer {
 public:
  struct Options {
    double min_level = 1.0;
    double max_level = 3.0;
    absl::Duration adapt_every = absl::Seconds(15);
    double drop_cap = kAbandonCap;
  };
  VicidialPacer() : VicidialPacer(Options()) {}
  explicit VicidialPacer(Options options) : options_(options), level_(options.min_level) {}
  absl::string_view name() const override { return "vicidial"; }
  Decision Decide(const QueueView& queue, const Estimates& estimates,
                  const AbandonLedger& ledger) override;

 private:
  const Options options_;
  double level_;
  absl::Time next_adapt_ = absl::InfinitePast();
};

std::unique_ptr<Pacer> MakePacer(Mode mode);

}  // namespace secondvoice::pacing

#endif  // SECONDVOICE_LIBS_PACING_PACER_H_
