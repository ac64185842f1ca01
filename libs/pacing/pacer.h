// Pacing: how many calls a queue places now. Progressive places one call per free agent and
// never abandons; predictive places more, from a model of who answers when and which agents come
// free when, so that agents wait less while abandoned calls stay under the cap; a VICIdial-style
// adaptive dial level is the industry baseline it is measured against. Every decision says why.
// Pure: the queue's state, estimates and ledger come in; the caller places the calls.
#ifndef SECONDVOICE_LIBS_PACING_PACER_H_
#define SECONDVOICE_LIBS_PACING_PACER_H_

#include <deque>
#include <memory>
#include <optional>
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

// Agents free by each one-second slot from now (cumulative, slot 0 = now), as a pacer expects
// them: the mean count and its variance.
struct Supply {
  std::vector<double> mean;
  std::vector<double> var;
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
    double risk = 0.03;
    // The model's bias, corrected: once a minute the risk is multiplied by the abandon rate the
    // model expected of the calls it placed over the window over the rate that happened, each
    // read as if `calibration_prior` answers at 2% came first (a quiet start proves little),
    // within the range. A ratio of the model to the world, not a controller steering to an
    // aim: it does not swing with the load.
    absl::Duration calibration_window = absl::Hours(6);
    double calibration_prior = 250;
    std::pair<double, double> calibration_range = {0.25, 4.0};
    // From this abandon rate over the last 24 h the risk eases off, linearly down to a tenth at
    // `guard_cap`, so that a bad hour slows dialing before the guard below stops it.
    double ease_from = 0.022;
    // Live answers in the last 24 h before the abandon rate means anything, and per logged-in
    // agent (a large queue can lose more calls at once, so it needs more answers to measure
    // them against): progressive until.
    int min_answered = 100;
    int min_answered_per_agent = 5;
    // Below these the model is not trusted: progressive.
    int min_agents = 2;
    int min_calls = 40;
    int min_conversations = 30;
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

  // How many one-second slots the model looks at: the horizon and the 2 s grace after it.
  int Slots() const;
  // The agents coming free as the estimates expect them.
  Supply ExpectedSupply(const QueueView& queue, const Estimates& estimates) const;
  // The same decision with the agents' coming free given rather than estimated (an oracle in a
  // benchmark that knows when they will be free, to measure what better estimates could buy).
  // `supply` should have Slots() entries; a shorter one is taken as staying at its last count.
  Decision DecideWith(const Supply& supply, const QueueView& queue, const Estimates& estimates,
                      const AbandonLedger& ledger);

 private:
  // Progressive while the model has too little to go on or the 24 h cap has no room.
  std::optional<Decision> Gate(const QueueView& queue, const Estimates& estimates,
                               const AbandonLedger& ledger) const;
  Decision Model(const Supply& supply, const QueueView& queue, const Estimates& estimates,
                 const AbandonLedger& ledger);

  // Once a minute: the abandon rate the model expected against the ledger's.
  void Calibrate(absl::Time now, const AbandonLedger& ledger);

  const Options options_;
  double calibration_ = 1.0;
  // What the model expected of the calls it placed, per minute, over the window.
  struct Expected {
    absl::Time minute;
    double abandons = 0;
    double answers = 0;
  };
  std::deque<Expected> expected_;
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
