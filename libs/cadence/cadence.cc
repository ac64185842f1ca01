// The cadence and claim-time rules; see cadence.h.
#include "libs/cadence/cadence.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/intake/row.h"

namespace secondvoice::cadence {
namespace {

using domain::AttemptOutcome;
using domain::Channel;

std::string Local(absl::Time t, absl::TimeZone tz) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M %Z", t, tz);
}

int Bit(calendar::Daypart part) { return 1 << static_cast<int>(part); }

Tally Add(Tally tally, absl::Time at, absl::TimeZone tz) {
  const absl::CivilDay day = absl::ToCivilDay(at, tz);
  if (tally.attempts == 0 || day != tally.last_day) {
    ++tally.days;
    tally.last_day = day;
    tally.on_last_day = 0;
  }
  ++tally.on_last_day;
  ++tally.attempts;
  tally.dayparts |= Bit(calendar::DaypartAt(at, tz));
  if (!tally.first_at) tally.first_at = at;
  tally.last_at = at;
  return tally;
}

std::string DaypartList(int mask) {
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    if (mask & (1 << i)) {
      names.push_back(absl::StrCat(calendar::DaypartName(static_cast<calendar::Daypart>(i)), "s"));
    }
  }
  return names.empty() ? "none" : absl::StrJoin(names, " and ");
}

bool CallsComplete(const Tally& calls, const domain::Cadence& cadence) {
  return calls.attempts >= cadence.min_call_attempts && calls.days >= cadence.min_spread_days &&
         std::popcount(static_cast<unsigned>(calls.dayparts)) >= 2;
}

bool MessagesComplete(const Tally& messages, const domain::Cadence& cadence) {
  return messages.attempts >= cadence.min_call_attempts && messages.days >= cadence.min_spread_days;
}

}  // namespace

bool IsDialogue(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kDialogueNoAppointment:
    case AttemptOutcome::kCallbackRequested:
    case AttemptOutcome::kAppointmentSet:
    case AttemptOutcome::kNotInterested:
    case AttemptOutcome::kObjection:
      return true;
    default:
      return false;
  }
}

Progress Record(Progress progress, const AttemptFact& attempt, absl::TimeZone tz) {
  if (attempt.channel != Channel::kPhone) {
    progress.messages = Add(progress.messages, attempt.at, tz);
    return progress;
  }
  if (IsDialogue(attempt.outcome)) progress.dialogue = true;
  switch (attempt.outcome) {
    case AttemptOutcome::kFailed:
      // Never rang (the carrier could not place it), so it does not count toward "not reached";
      // but the gap counts: a dead number fails every time, and a lead due again at once was
      // dialled over and over (a thousand times in ten minutes under scripts/bench load).
    case AttemptOutcome::kAgentLost:
      // It may have rung, so the gap counts; it does not count toward "not reached".
      progress.last_call_at = attempt.at;
      return progress;
    case AttemptOutcome::kAbandoned:
      progress.lockout_until = attempt.at + kAbandonLockout;
      break;
    default:
      break;
  }
  progress.calls = Add(progress.calls, attempt.at, tz);
  progress.last_call_at = attempt.at;
  return progress;
}

Progress Fold(const std::vector<AttemptFact>& attempts, absl::TimeZone tz) {
  Progress progress;
  for (const AttemptFact& attempt : attempts) progress = Record(progress, attempt, tz);
  return progress;
}

int CallBudget(const domain::Cadence& cadence) {
  return std::max(cadence.max_call_attempts, cadence.min_call_attempts);
}

bool CadenceComplete(const Progress& progress, const domain::Cadence& cadence, const Reach& reach) {
  if (CallsComplete(progress.calls, cadence)) return true;
  return !reach.callable && MessagesComplete(progress.messages, cadence);
}

std::string MissingForCadence(const Progress& progress, const domain::Cadence& cadence,
                              const Reach& reach) {
  if (CadenceComplete(progress, cadence, reach)) return "";
  std::vector<std::string> missing;
  if (!reach.callable && progress.calls.attempts == 0) {
    const Tally& m = progress.messages;
    if (m.attempts < cadence.min_call_attempts) {
      missing.push_back(absl::StrCat(cadence.min_call_attempts - m.attempts,
                                     " more messages (no callable number; ", m.attempts, " of ",
                                     cadence.min_call_attempts, " sent)"));
    }
    if (m.days < cadence.min_spread_days) {
      missing.push_back(absl::StrCat("messages on ", cadence.min_spread_days - m.days,
                                     " more days (", m.days, " of ", cadence.min_spread_days, ")"));
    }
    return absl::StrJoin(missing, "; ");
  }
  const Tally& c = progress.calls;
  if (c.attempts < cadence.min_call_attempts) {
    missing.push_back(absl::StrCat(cadence.min_call_attempts - c.attempts, " more call attempts (",
                                   c.attempts, " of ", cadence.min_call_attempts, " made)"));
  }
  if (c.days < cadence.min_spread_days) {
    missing.push_back(absl::StrCat("calls on ", cadence.min_spread_days - c.days, " more days (",
                                   c.days, " of ", cadence.min_spread_days, ")"));
  }
  if (std::popcount(static_cast<unsigned>(c.dayparts)) < 2) {
    missing.push_back(
        absl::StrCat("a call in another daypart (so far: ", DaypartList(c.dayparts), ")"));
  }
  return absl::StrJoin(missing, "; ");
}

absl::Status CheckClose(domain::LeadStatus status, const Progress& progress,
                        const domain::Cadence& cadence, const Reach& reach) {
  switch (status) {
    case domain::LeadStatus::kClosedNotReached: {
      if (progress.dialogue) {
        return absl::FailedPreconditionError(
            "not reached refused: the customer was reached (a two-sided conversation is on "
            "record); close as not interested or lost instead");
      }
      if (!reach.callable && !reach.messageable && progress.calls.attempts == 0 &&
          progress.messages.attempts == 0) {
        return absl::FailedPreconditionError(
            "not reached refused: the lead has no usable contact route and was never "
            "attempted; correct its contact data (a lead is never written off for its data)");
      }
      const std::string missing = MissingForCadence(progress, cadence, reach);
      if (!missing.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("not reached refused: the cadence is not complete: ", missing));
      }
      return absl::OkStatus();
    }
    case domain::LeadStatus::kClosedNotInterested:
    case domain::LeadStatus::kClosedLost: {
      if (progress.dialogue) return absl::OkStatus();
      std::string missing = MissingForCadence(progress, cadence, reach);
      return absl::FailedPreconditionError(absl::StrCat(
          domain::Name(status),
          " refused: no two-sided conversation is on record, so the customer never said so; "
          "keep to the cadence and close as not reached when it is complete",
          missing.empty() ? "" : absl::StrCat(" (still missing: ", missing, ")")));
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("status: a lead is closed as closed_not_reached, closed_not_interested or "
                       "closed_lost; ",
                       domain::Name(status), " follows from an outcome"));
  }
}

namespace {

// The first instant from `earliest` at which a call fits the cadence: inside the window, under
// the daily maximum, spread over days and dayparts while the cadence is incomplete.
absl::Time NextCallTime(const Progress& p, const domain::Cadence& cadence,
                        const calendar::CallingWindow& window, absl::Time earliest, bool complete) {
  const Tally& c = p.calls;
  absl::Time t = earliest;
  for (int step = 0; step < 40; ++step) {
    t = calendar::NextOpen(window, t);
    if (t == absl::InfiniteFuture()) return t;
    const bool same_day = c.attempts > 0 && absl::ToCivilDay(t, window.tz) == c.last_day;
    if (same_day && c.on_last_day >= cadence.max_attempts_per_day) {
      t = calendar::StartOfNextDay(t, window.tz);
      continue;
    }
    if (complete) return t;
    const int attempts_needed = std::max(0, cadence.min_call_attempts - c.attempts);
    const int days_needed = std::max(0, cadence.min_spread_days - c.days);
    if (same_day && days_needed > 0 && attempts_needed <= days_needed) {
      t = calendar::StartOfNextDay(t, window.tz);
      continue;
    }
    const bool one_daypart = std::popcount(static_cast<unsigned>(c.dayparts)) < 2;
    if (c.attempts > 0 && one_daypart && (c.dayparts & Bit(calendar::DaypartAt(t, window.tz)))) {
      t = calendar::NextDaypartStart(t, window.tz);
      continue;
    }
    return t;
  }
  // A window too narrow for the preferences (e.g. mornings only): take the next opening.
  absl::Time fallback = earliest;
  for (int step = 0; step < 10; ++step) {
    fallback = calendar::NextOpen(window, fallback);
    if (fallback == absl::InfiniteFuture()) return fallback;
    const bool same_day = c.attempts > 0 && absl::ToCivilDay(fallback, window.tz) == c.last_day;
    if (!same_day || c.on_last_day < cadence.max_attempts_per_day) return fallback;
    fallback = calendar::StartOfNextDay(fallback, window.tz);
  }
  return fallback;
}

}  // namespace

NextContact PlanNext(const Progress& p, const domain::Cadence& cadence, const Reach& reach,
                     const calendar::CallingWindow& window, std::optional<absl::Time> callback_at,
                     absl::Time now) {
  NextContact next;
  if (callback_at) {
    next.action = Action::kCall;
    next.at = *callback_at;
    next.reason = absl::StrCat("callback requested for ", Local(*callback_at, window.tz));
    return next;
  }
  if (p.dialogue) {
    next.reason = "the customer was reached: the outcome decides what follows";
    return next;
  }
  if (!reach.callable && !reach.messageable) {
    next.reason = "no usable, unsuppressed contact route";
    return next;
  }
  const bool complete = CadenceComplete(p, cadence, reach);
  if (reach.callable) {
    if (p.calls.attempts >= 1 && p.messages.attempts == 0 && reach.messageable) {
      next.action = Action::kMessage;
      next.at = calendar::NextOpen(window, std::max(now, *p.calls.last_at));
      next.reason = "message after the first call";
      return next;
    }
    const int budget = CallBudget(cadence);
    if (complete && p.calls.attempts >= budget) {
      next.reason = absl::StrCat("cadence complete: ", p.calls.attempts, " calls over ",
                                 p.calls.days, " days; may be closed as not reached");
      return next;
    }
    absl::Time earliest = now;
    if (p.last_call_at) {
      earliest = std::max(earliest, *p.last_call_at + absl::Minutes(cadence.min_gap_minutes));
    }
    if (p.lockout_until) earliest = std::max(earliest, *p.lockout_until);
    next.action = Action::kCall;
    next.at = NextCallTime(p, cadence, window, earliest, complete);
    const int n = p.calls.attempts + 1;
    if (n == 1) {
      next.reason = "first call";
    } else if (!complete) {
      next.reason = absl::StrCat("call ", n, " of ", cadence.min_call_attempts, ", ",
                                 calendar::DaypartName(calendar::DaypartAt(next.at, window.tz)));
    } else {
      next.reason = absl::StrCat("extra call ", n, " of up to ", budget);
    }
    return next;
  }
  // No callable number: messages carry the cadence, the first one right away.
  if (MessagesComplete(p.messages, cadence)) {
    next.reason = absl::StrCat("cadence complete: ", p.messages.attempts,
                               " messages (no callable number); may be closed as not reached");
    return next;
  }
  absl::Time earliest = now;
  if (p.messages.last_at) earliest = std::max(earliest, *p.messages.last_at + kMessageGap);
  next.action = Action::kMessage;
  next.at = calendar::NextOpen(window, earliest);
  next.reason = p.messages.attempts == 0
                    ? std::string("first message (no callable number)")
                    : absl::StrCat("message ", p.messages.attempts + 1, " of ",
                                   cadence.min_call_attempts, " (no callable number)");
  return next;
}

Rank RankOf(domain::LeadOrigin origin, bool callback_pending, bool contacted_before) {
  if (callback_pending) return Rank::kCallback;
  if (origin == domain::LeadOrigin::kListImport) {
    return contacted_before ? Rank::kListInCadence : Rank::kListNew;
  }
  return contacted_before ? Rank::kFollowUpInCadence : Rank::kFollowUpNew;
}

Rank RankOf(domain::LeadOrigin origin, bool callback_pending, bool contacted_before,
            Action action) {
  if (action == Action::kMessage && !callback_pending) return Rank::kMessage;
  return RankOf(origin, callback_pending, contacted_before);
}

absl::string_view BlockName(Block block) {
  switch (block) {
    case Block::kClosed:
      return "closed";
    case Block::kCampaignInactive:
      return "campaign_inactive";
    case Block::kLeased:
      return "leased";
    case Block::kOutsideWindow:
      return "outside_window";
    case Block::kCadenceGap:
      return "cadence_gap";
    case Block::kDailyMaximum:
      return "daily_maximum";
    case Block::kLockout:
      return "lockout";
    case Block::kNoConsent:
      return "no_consent";
    case Block::kSuppressed:
      return "suppressed";
    case Block::kNoRoute:
      return "no_route";
    case Block::kNotDue:
      return "not_due";
    case Block::kCadenceDone:
      return "cadence_done";
  }
  return "unknown";
}

Verdict Evaluate(const LeadState& lead, const CampaignRules& campaign, absl::Time now) {
  Verdict verdict;
  const absl::TimeZone tz = campaign.window.tz;
  auto block = [&](Block b, std::string text) {
    verdict.blocks.push_back(b);
    verdict.explanations.push_back(std::move(text));
  };
  if (lead.status != domain::LeadStatus::kNew && lead.status != domain::LeadStatus::kInProgress) {
    block(Block::kClosed, absl::StrCat("the lead is ", domain::Name(lead.status)));
    return verdict;
  }
  absl::Time recheck = absl::InfiniteFuture();
  if (campaign.state != domain::CampaignState::kActive) {
    block(Block::kCampaignInactive, absl::StrCat("the campaign is ", domain::Name(campaign.state)));
    recheck = now + kRecheck;
  } else if (campaign.starts_at && now < *campaign.starts_at) {
    block(Block::kCampaignInactive,
          absl::StrCat("the campaign starts ", Local(*campaign.starts_at, tz)));
    recheck = *campaign.starts_at;
  } else if (campaign.ends_at && now >= *campaign.ends_at) {
    block(Block::kCampaignInactive,
          absl::StrCat("the campaign ended ", Local(*campaign.ends_at, tz)));
    recheck = now + kRecheck;
  }
  if (lead.lease_until && *lead.lease_until > now) {
    block(Block::kLeased,
          absl::StrCat("claimed by ", lead.lease_owner, " until ", Local(*lead.lease_until, tz)));
  }
  const bool requested =
      lead.callback_at.has_value() || lead.consent.basis == domain::ConsentBasis::kRequestedContact;
  if (!requested && !intake::MarketingAllowed(lead.consent, campaign.policy,
                                              campaign.existing_customer_months, now, tz)) {
    block(Block::kNoConsent,
          absl::StrCat("no lawful basis for a marketing contact: the campaign allows ",
                       campaign.policy == domain::MarketingPolicy::kOptInOnly
                           ? "opt-in only"
                           : absl::StrCat("opt-in or customers of the last ",
                                          campaign.existing_customer_months, " months"),
                       "; the lead's basis is ", domain::Name(lead.consent.basis)));
    recheck = std::min(recheck, now + kRecheck);
  }
  if (!lead.has_usable_route) {
    block(Block::kNoRoute, "no usable contact route: correct the contact data");
    recheck = std::min(recheck, now + kRecheck);
  } else if (!lead.reach.callable && !lead.reach.messageable) {
    block(Block::kSuppressed, absl::StrCat("suppressed: the customer objected on every route (",
                                           lead.suppressed_routes, " suppressed)"));
    recheck = std::min(recheck, now + kRecheck);
  }
  const NextContact next =
      PlanNext(lead.progress, campaign.cadence, lead.reach, campaign.window, lead.callback_at, now);
  if (next.action == Action::kNone) {
    if (lead.has_usable_route && (lead.reach.callable || lead.reach.messageable)) {
      block(Block::kCadenceDone, next.reason);
    }
  } else if (next.at > now) {
    const Progress& p = lead.progress;
    const absl::Time gap_end =
        p.last_call_at ? *p.last_call_at + absl::Minutes(campaign.cadence.min_gap_minutes)
                       : absl::InfinitePast();
    if (lead.callback_at) {
      block(Block::kNotDue, next.reason);
    } else if (next.action == Action::kCall && p.lockout_until && *p.lockout_until > now) {
      block(Block::kLockout,
            absl::StrCat("an abandoned call: no new call before ", Local(*p.lockout_until, tz)));
    } else if (next.action == Action::kCall && gap_end > now) {
      block(Block::kCadenceGap,
            absl::StrCat("last call ", Local(*p.last_call_at, tz), ", minimum gap ",
                         campaign.cadence.min_gap_minutes, " min; next ", Local(next.at, tz)));
    } else if (next.action == Action::kCall && p.calls.attempts > 0 &&
               absl::ToCivilDay(now, tz) == p.calls.last_day &&
               p.calls.on_last_day >= campaign.cadence.max_attempts_per_day) {
      block(Block::kDailyMaximum, absl::StrCat("the day's ", campaign.cadence.max_attempts_per_day,
                                               " calls are made; next ", Local(next.at, tz)));
    } else if (!calendar::IsOpen(campaign.window, now)) {
      std::string why = "outside the calling window";
      if (std::optional<std::string> holiday =
              campaign.window.holidays.HolidayOn(absl::ToCivilDay(now, tz))) {
        why = absl::StrCat("a public holiday (", *holiday, ")");
      }
      block(Block::kOutsideWindow, absl::StrCat(why, "; opens ", Local(next.at, tz)));
    } else {
      block(Block::kNotDue, absl::StrCat(next.reason, " planned ", Local(next.at, tz)));
    }
  }
  verdict.action = next.action;
  verdict.reason = next.reason;
  if (verdict.blocks.empty()) {
    verdict.eligible = true;
    verdict.next_at = now;
  } else {
    verdict.next_at = next.action == Action::kNone ? recheck : std::max(recheck, next.at);
    if (next.action != Action::kNone && recheck == absl::InfiniteFuture())
      verdict.next_at = next.at;
  }
  return verdict;
}

}  // namespace secondvoice::cadence
