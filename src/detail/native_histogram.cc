#include "detail/native_histogram.h"

#include <algorithm>
#include <utility>

#include "detail/native_spans.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric::detail {
namespace native {
namespace {

// math.Exp2(math.Exp2(-s)) as Go computes it for s = 1..8. client_golang's
// published bounds table was generated from these; Go's value for s = 1 is
// one ulp below the correctly rounded sqrt(2), so std::exp2 would not do.
constexpr std::array<double, 9> kFactors = {
    2.0,
    0x1.6a09e667f3bccp+0,
    0x1.306fe0a31b715p+0,
    0x1.172b83c7d517bp+0,
    0x1.0b5586cf9890fp+0,
    0x1.059b0d3158574p+0,
    0x1.02c9a3e778061p+0,
    0x1.0163da9fb3335p+0,
    0x1.00b1afa5abcbfp+0,
};

constexpr std::array<std::uint16_t, 9> StartsOf(int per_schema_extra, int shift) {
  std::array<std::uint16_t, 9> starts{};
  int at = 0;
  for (int s = 1; s <= kMaxSchema; ++s) {
    starts[s] = static_cast<std::uint16_t>(at);
    at += (1 << (s + shift)) + per_schema_extra;
  }
  return starts;
}

// The generator client_golang documents beside its table: odd entries are
// the previous one times the factor, even ones come from the coarser schema.
constexpr std::array<double, 518> MakeBounds() {
  std::array<double, 518> out{};
  constexpr auto starts = StartsOf(1, 0);
  double previous[256] = {0.5};
  for (int s = 1; s <= kMaxSchema; ++s) {
    const int n = 1 << s;
    double bounds[256] = {0.5};
    for (int j = 0; j < n - 1; ++j) {
      bounds[j + 1] = (j + 1) % 2 == 0 ? previous[j / 2 + 1] : bounds[j] * kFactors[s];
    }
    for (int j = 0; j < n; ++j) {
      out[starts[s] + j] = bounds[j];
      previous[j] = bounds[j];
    }
    out[starts[s] + n] = 1.0;  // sentinel: every frac is below it
  }
  return out;
}

constexpr std::array<std::uint16_t, 1024> MakeBelow(const std::array<double, 518>& bounds) {
  std::array<std::uint16_t, 1024> out{};
  constexpr auto bound_starts = StartsOf(1, 0);
  constexpr auto below_starts = StartsOf(0, 1);
  for (int s = 1; s <= kMaxSchema; ++s) {
    const int slices = 1 << (s + 1);
    int below = 0;  // slice starts only grow: one merge pass
    for (int j = 0; j < slices; ++j) {
      const double start = 0.5 + 0.5 * j / slices;
      while (below < (1 << s) && bounds[bound_starts[s] + below] < start) ++below;
      out[below_starts[s] + j] = static_cast<std::uint16_t>(below);
    }
  }
  return out;
}

// Key() relies on a slice holding at most one bound.
constexpr bool OneBoundPerSlice(const std::array<double, 518>& bounds,
                                const std::array<std::uint16_t, 1024>& below) {
  constexpr auto bound_starts = StartsOf(1, 0);
  constexpr auto below_starts = StartsOf(0, 1);
  for (int s = 1; s <= kMaxSchema; ++s) {
    const int slices = 1 << (s + 1);
    for (int j = 0; j < slices; ++j) {
      const int i = below[below_starts[s] + j] + 1;
      const double end = 0.5 + 0.5 * (j + 1) / slices;
      if (i < (1 << s) && bounds[bound_starts[s] + i] < end) return false;
    }
  }
  return true;
}

}  // namespace

constexpr std::array<double, 518> kBoundsValue = MakeBounds();
constexpr std::array<std::uint16_t, 1024> kBelowValue = MakeBelow(kBoundsValue);
static_assert(OneBoundPerSlice(kBoundsValue, kBelowValue));

constexpr std::array<SliceBound, 1024> MakeSlices() {
  std::array<SliceBound, 1024> out{};
  constexpr auto bound_starts = StartsOf(1, 0);
  constexpr auto below_starts = StartsOf(0, 1);
  for (int s = 1; s <= kMaxSchema; ++s) {
    for (int j = 0; j < (1 << (s + 1)); ++j) {
      const std::uint16_t below = kBelowValue[below_starts[s] + j];
      out[below_starts[s] + j] = {kBoundsValue[bound_starts[s] + below], below};
    }
  }
  return out;
}
const std::array<SliceBound, 1024> kSlices = MakeSlices();

const std::array<double, 518> kBounds = kBoundsValue;
const std::array<std::uint16_t, 9> kBoundsStart = StartsOf(1, 0);
const std::array<std::uint16_t, 1024> kBelow = kBelowValue;
const std::array<std::uint16_t, 9> kBelowStart = StartsOf(0, 1);

std::int32_t CoarseKey(int exp, bool power_of_two, int schema) {
  int key = exp;
  if (power_of_two) --key;  // frac == 0.5
  const int div = 1 << -schema;
  // Go's integer division truncates toward zero, as C++'s does; keep it so
  // that keys of tiny values match client_golang 1.14 exactly.
  return (key + div - 1) / div;
}

double UpperBound(std::int32_t key, int schema) {
  // Go's getLe, including its special case: the bucket below the ±Inf one
  // ends at DBL_MAX rather than at the power of two that overflows.
  if (schema < 0) {
    const std::int64_t exp = static_cast<std::int64_t>(key) * (std::int64_t{1} << -schema);
    if (exp == 1024) return std::numeric_limits<double>::max();
    return std::ldexp(1.0, static_cast<int>(std::clamp<std::int64_t>(exp, -2000, 2000)));
  }
  const std::int32_t frac_index = key & ((1 << schema) - 1);
  const double frac = schema == 0 ? 0.5 : kBounds[kBoundsStart[schema] + frac_index];
  const std::int32_t exp = (key >> schema) + 1;
  if (frac == 0.5 && exp == 1025) return std::numeric_limits<double>::max();
  return std::ldexp(frac, exp);
}

Buckets::Directory* Buckets::Directory::New(std::int64_t first, std::size_t size) {
  void* memory = ::operator new(sizeof(Directory) + size * sizeof(std::atomic<Chunk*>));
  auto* dir = new (memory) Directory{first, size};
  auto* slots = new (static_cast<void*>(dir + 1)) std::atomic<Chunk*>[size];
  for (std::size_t i = 0; i < size; ++i) slots[i].store(nullptr, std::memory_order_relaxed);
  return dir;
}

void Buckets::Directory::Delete::operator()(Directory* dir) const {
  // Header and slots are trivially destructible: only the memory goes.
  ::operator delete(static_cast<void*>(dir));
}

std::atomic<std::uint64_t>& Buckets::Make(std::int32_t key) {
  const std::int64_t c = key >> kChunkBits;
  Directory* dir = dir_.load(std::memory_order_relaxed);
  if (dir == nullptr || c < dir->first || c >= dir->first + static_cast<std::int64_t>(dir->size)) {
    // Grow geometrically towards the new chunk; the old directory stays
    // alive for recorders that still hold it.
    std::int64_t first = c - 1;
    std::int64_t size = 4;
    if (dir != nullptr) {
      const std::int64_t old_last = dir->first + static_cast<std::int64_t>(dir->size) - 1;
      const std::int64_t last = std::max(old_last, c);
      const std::int64_t lowest = std::min(dir->first, c);
      size = std::max<std::int64_t>(last - lowest + 1, 2 * static_cast<std::int64_t>(dir->size));
      // Growing downwards, the spare room goes below; otherwise above.
      first = c < dir->first ? last - size + 1 : lowest;
    }
    std::unique_ptr<Directory, Directory::Delete> grown(
        Directory::New(first, static_cast<std::size_t>(size)));
    if (dir != nullptr) {
      for (std::size_t i = 0; i < dir->size; ++i) {
        const auto to = dir->first + static_cast<std::int64_t>(i) - grown->first;
        grown->chunks()[to].store(dir->chunks()[i].load(std::memory_order_relaxed),
                                  std::memory_order_relaxed);
      }
    }
    dir = grown.get();
    directories_.push_back(std::move(grown));
    dir_.store(dir, std::memory_order_release);
  }
  std::atomic<Chunk*>& slot = dir->chunks()[c - dir->first];
  Chunk* chunk = slot.load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunks_.push_back(std::make_unique<Chunk>());
    chunk = chunks_.back().get();
    slot.store(chunk, std::memory_order_release);
  }
  return chunk->counts[key & (kChunkSize - 1)];
}

std::size_t Buckets::MemoryBytes() const {
  std::size_t bytes = chunks_.capacity() * sizeof(chunks_[0]) +
                      directories_.capacity() * sizeof(directories_[0]) +
                      chunks_.size() * sizeof(Chunk);
  for (const auto& dir : directories_) {
    bytes += sizeof(Directory) + dir->size * sizeof(std::atomic<Chunk*>);
  }
  return bytes;
}

}  // namespace native

namespace {

// Go's math.Log2: Log(frac)/Ln2 + exp, not a correctly rounded log2, so that
// factors on a schema boundary pick the schema client_golang picks.
double GoLog2(double x) {
  int exp = 0;
  const double frac = std::frexp(x, &exp);
  if (frac == 0.5) return exp - 1;
  return std::log(frac) * 1.44269504088896340736 + exp;
}

std::chrono::nanoseconds SteadyNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

void MakeSpans(const native::Buckets& buckets, std::vector<NativeBucketSpan>& spans,
               std::vector<std::int64_t>& deltas) {
  NativeSpanWriter writer(spans, deltas);
  buckets.ForEach([&](std::int32_t key, const std::atomic<std::uint64_t>& counter) {
    const auto count = static_cast<std::int64_t>(counter.load(std::memory_order_relaxed));
    if (count != 0) writer.Add(key, count);
  });
}

std::int64_t CountBuckets(const native::Layout& layout) {
  std::int64_t n = 0;
  auto count = [&](std::int32_t, const std::atomic<std::uint64_t>& c) {
    if (c.load(std::memory_order_relaxed) != 0) ++n;
  };
  layout.positive.ForEach(count);
  layout.negative.ForEach(count);
  return n;
}

}  // namespace

std::int32_t PickNativeSchema(double factor) {
  const double floor = std::floor(GoLog2(GoLog2(factor)));
  if (floor <= -8) return 8;
  if (floor >= 4) return -4;
  return -static_cast<std::int32_t>(floor);
}

std::shared_ptr<const NativeHistogramConfig> MakeNativeHistogramConfig(const HistogramOpts& opts) {
  if (!(opts.native_histogram_bucket_factor > 1)) return nullptr;
  auto config = std::make_shared<NativeHistogramConfig>();
  config->schema = PickNativeSchema(opts.native_histogram_bucket_factor);
  if (opts.native_histogram_zero_threshold > 0) {
    config->zero_threshold = opts.native_histogram_zero_threshold;
  } else if (opts.native_histogram_zero_threshold == 0) {
    config->zero_threshold = kDefNativeHistogramZeroThreshold;
  }
  config->max_buckets = opts.native_histogram_max_bucket_number;
  config->min_reset_duration = opts.native_histogram_min_reset_duration;
  config->max_zero_threshold = opts.native_histogram_max_zero_threshold;
  config->now = SteadyNow;
  return config;
}

NativeHistogram::NativeHistogram(std::shared_ptr<const NativeHistogramConfig> config)
    : config_(std::move(config)),
      max_buckets_(config_->max_buckets),
      zero_threshold_(config_->zero_threshold),
      last_reset_(config_->now ? config_->now() : SteadyNow()) {
  current_.store(&LayoutFor(config_->schema), std::memory_order_release);
}

native::Layout& NativeHistogram::LayoutFor(int schema) const {
  auto& layout = layouts_[schema - native::kMinSchema];
  if (!layout) layout = std::make_unique<native::Layout>(schema);
  return *layout;
}

void NativeHistogram::ObserveSlow(double v, bool inf, RestartHook restart, void* owner) {
  std::lock_guard<std::mutex> lock(mu_);
  ObserveLocked(v, inf);
  if (max_buckets_ != 0 &&
      current_.load(std::memory_order_relaxed)->bucket_number.load(std::memory_order_relaxed) >
          max_buckets_) {
    LimitLocked(v, inf, restart, owner);
  }
}

void NativeHistogram::LimitBuckets(double v, bool inf, RestartHook restart, void* owner) {
  std::lock_guard<std::mutex> lock(mu_);
  LimitLocked(v, inf, restart, owner);
}

bool NativeHistogram::ObserveLocked(double v, bool inf) {
  native::Layout& layout = *current_.load(std::memory_order_relaxed);
  const double threshold = zero_threshold_.load(std::memory_order_relaxed);
  if (v > threshold || v < -threshold) {
    native::Buckets& side = v > 0 ? layout.positive : layout.negative;
    const std::int32_t key = native::Key(std::fabs(v), layout.schema) + (inf ? 1 : 0);
    if (side.Make(key).fetch_add(1, std::memory_order_relaxed) == 0) {
      layout.bucket_number.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  } else {
    zero_count_.fetch_add(1, std::memory_order_relaxed);
  }
  return false;
}

void NativeHistogram::LimitLocked(double v, bool inf, RestartHook restart, void* owner) {
  Normalize();
  if (current_.load(std::memory_order_relaxed)->bucket_number.load(std::memory_order_relaxed) <=
      max_buckets_) {
    return;
  }
  // client_golang's order: reset if allowed, else widen, else halve.
  if (MaybeReset(v, inf, restart, owner)) return;
  if (MaybeWidenZeroBucket()) return;
  DoubleBucketWidth();
}

void NativeHistogram::Normalize() const {
  native::Layout& current = *current_.load(std::memory_order_relaxed);
  // Late counts in replaced layouts: a finer schema folds into the current
  // one; a coarser one can only predate a reset, which discards it.
  for (const auto& layout : layouts_) {
    if (!layout || layout.get() == &current) continue;
    auto fold = [&](native::Buckets* into) {
      return [&, into](std::int32_t key, std::atomic<std::uint64_t>& counter) {
        if (counter.load(std::memory_order_relaxed) == 0) return;
        const std::uint64_t n = counter.exchange(0, std::memory_order_relaxed);
        if (n == 0 || layout->schema < current.schema) return;
        for (int s = layout->schema; s > current.schema; --s) key = native::HalveKey(key);
        into->Make(key).fetch_add(n, std::memory_order_relaxed);
      };
    };
    layout->positive.ForEach(fold(&current.positive));
    layout->negative.ForEach(fold(&current.negative));
    layout->bucket_number.store(0, std::memory_order_relaxed);
  }
  // Late counts below a widened zero threshold belong to the zero bucket.
  const double threshold = zero_threshold_.load(std::memory_order_relaxed);
  auto to_zero = [&](std::int32_t key, std::atomic<std::uint64_t>& counter) {
    if (counter.load(std::memory_order_relaxed) == 0) return;
    if (native::UpperBound(key, current.schema) > threshold) return;
    zero_count_.fetch_add(counter.exchange(0, std::memory_order_relaxed),
                          std::memory_order_relaxed);
  };
  current.positive.ForEach(to_zero);
  current.negative.ForEach(to_zero);
  current.bucket_number.store(CountBuckets(current), std::memory_order_relaxed);
}

bool NativeHistogram::MaybeReset(double v, bool inf, RestartHook restart, void* owner) {
  if (config_->min_reset_duration.count() == 0 ||
      config_->now() - last_reset_ < config_->min_reset_duration) {
    return false;
  }
  // The whole histogram starts again from the observation that overflowed,
  // classic part included, as client_golang does.
  restart(owner);
  auto drop = [](std::int32_t, std::atomic<std::uint64_t>& counter) {
    counter.store(0, std::memory_order_relaxed);
  };
  for (const auto& layout : layouts_) {
    if (!layout) continue;
    layout->positive.ForEach(drop);
    layout->negative.ForEach(drop);
    layout->bucket_number.store(0, std::memory_order_relaxed);
  }
  zero_count_.store(0, std::memory_order_relaxed);
  zero_threshold_.store(config_->zero_threshold, std::memory_order_relaxed);
  current_.store(&LayoutFor(config_->schema), std::memory_order_release);
  ObserveLocked(v, inf);
  last_reset_ = config_->now();
  return true;
}

bool NativeHistogram::MaybeWidenZeroBucket() {
  const double threshold = zero_threshold_.load(std::memory_order_relaxed);
  if (threshold >= config_->max_zero_threshold) return false;
  native::Layout& layout = *current_.load(std::memory_order_relaxed);
  std::int32_t smallest = std::numeric_limits<std::int32_t>::max();
  auto find = [&](std::int32_t key, const std::atomic<std::uint64_t>& counter) {
    if (key < smallest && counter.load(std::memory_order_relaxed) != 0) smallest = key;
  };
  layout.positive.ForEach(find);
  layout.negative.ForEach(find);
  if (smallest == std::numeric_limits<std::int32_t>::max()) return false;
  const double widened = native::UpperBound(smallest, layout.schema);
  if (widened > config_->max_zero_threshold) return false;
  zero_threshold_.store(widened, std::memory_order_relaxed);
  for (native::Buckets* side : {&layout.positive, &layout.negative}) {
    if (std::atomic<std::uint64_t>* counter = side->Find(smallest)) {
      zero_count_.fetch_add(counter->exchange(0, std::memory_order_relaxed),
                            std::memory_order_relaxed);
    }
  }
  layout.bucket_number.store(CountBuckets(layout), std::memory_order_relaxed);
  return true;
}

void NativeHistogram::DoubleBucketWidth() {
  native::Layout& from = *current_.load(std::memory_order_relaxed);
  if (from.schema == native::kMinSchema) return;  // already the coarsest
  native::Layout& to = LayoutFor(from.schema - 1);
  current_.store(&to, std::memory_order_release);
  auto merge = [](native::Buckets* into) {
    return [into](std::int32_t key, std::atomic<std::uint64_t>& counter) {
      if (counter.load(std::memory_order_relaxed) == 0) return;
      into->Make(native::HalveKey(key))
          .fetch_add(counter.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
    };
  };
  from.positive.ForEach(merge(&to.positive));
  from.negative.ForEach(merge(&to.negative));
  from.bucket_number.store(0, std::memory_order_relaxed);
  to.bucket_number.store(CountBuckets(to), std::memory_order_relaxed);
}

void NativeHistogram::Collect(NativeHistogramSnapshot& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  Normalize();
  const native::Layout& layout = *current_.load(std::memory_order_relaxed);
  out.schema = layout.schema;
  out.zero_threshold = zero_threshold_.load(std::memory_order_relaxed);
  out.zero_count = zero_count_.load(std::memory_order_relaxed);
  MakeSpans(layout.negative, out.negative_spans, out.negative_deltas);
  MakeSpans(layout.positive, out.positive_spans, out.positive_deltas);
}

std::size_t NativeHistogram::MemoryBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t bytes = sizeof(*this);
  for (const auto& layout : layouts_) {
    if (!layout) continue;
    bytes +=
        sizeof(native::Layout) + layout->positive.MemoryBytes() + layout->negative.MemoryBytes();
  }
  return bytes;
}

}  // namespace semstreams::metric::detail
