// Planning cost with the walking skeleton's recurrence (FREQ=DAILY/WEEKLY).
// Run: build/bench/loaxa_bench

#include <benchmark/benchmark.h>

#include "scheduler/planner.hpp"

namespace {

using namespace loaxa::scheduler;

void BM_PlanDaily(benchmark::State& state) {
  const Zone zone("Asia/Ho_Chi_Minh");
  const auto rules_n = static_cast<int>(state.range(0));
  const auto days = state.range(1);
  std::vector<Rule> rules;
  for (int i = 0; i < rules_n; ++i) {
    Rule r;
    r.id = "r" + std::to_string(i);
    r.channel = "ch" + std::to_string(i % 4);
    r.start = parse_local_datetime("2022-01-01T05:00:00") + std::chrono::minutes(7 * i % 900);
    r.rrule = parse_rrule(i % 4 == 0 ? "FREQ=WEEKLY" : "FREQ=DAILY");
    r.priority = 40 + i % 31;
    r.duration = std::chrono::minutes(15 + i % 31);
    rules.push_back(r);
  }
  const Instant from = zone.to_instant(parse_local_datetime("2022-01-01T00:00:00"));
  const Instant to = from + std::chrono::hours(24 * days);
  std::size_t entries = 0;
  for (auto _ : state) {
    auto timeline = plan(rules, {}, zone, from, to);
    entries = timeline.size();
    benchmark::DoNotOptimize(timeline.data());
  }
  state.counters["entries"] = static_cast<double>(entries);
}
BENCHMARK(BM_PlanDaily)
    ->Args({100, 1})
    ->Args({1000, 1})
    ->Args({100, 365})
    ->Unit(benchmark::kMillisecond);

}  // namespace
