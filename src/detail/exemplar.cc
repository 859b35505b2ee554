#include "detail/exemplar.h"

#include <cstring>
#include <ctime>
#include <new>

#include "detail/cells.h"
#include "detail/names.h"
#include "detail/self_counter.h"
#include "detail/utf8.h"
#include "semstreams/metric/counter.h"

namespace semstreams::metric::detail {
namespace {

// Characters in `text` if it is valid UTF-8, else SIZE_MAX. Trace ids are
// ASCII: eight bytes at a time while no byte has its top bit set.
std::size_t Utf8Chars(std::string_view text) {
  std::size_t chars = 0, i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & 0x8080808080808080ull) != 0) break;
    chars += 8;
  }
  while (i < text.size()) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return SIZE_MAX;
    i += length;
    ++chars;
  }
  return chars;
}

// Packs `labels` as [u8 name size][name][u16 value size][value] per pair into
// `out`, or returns 0 when client_golang would refuse them: a name that is not
// a label name, a duplicate name, a value that is not UTF-8, or more than 128
// characters in all. Returns the bytes used, plus one so that an empty label
// set is told apart from a refused one.
std::size_t Encode(ExemplarLabels labels, unsigned char* out) {
  std::size_t chars = 0, used = 0;
  for (auto pair = labels.begin(); pair != labels.end(); ++pair) {
    const std::string_view name = pair->first, value = pair->second;
    if (name.size() > kExemplarMaxChars || !IsValidLabelName(name)) return 0;
    for (auto other = labels.begin(); other != pair; ++other) {
      if (other->first == name) return 0;
    }
    const std::size_t value_chars = Utf8Chars(value);
    if (value_chars == SIZE_MAX) return 0;
    chars += name.size() + value_chars;
    if (chars > kExemplarMaxChars) return 0;
    // Within the limit the framing fits (see kExemplarMaxBytes).
    out[used++] = static_cast<unsigned char>(name.size());
    std::memcpy(out + used, name.data(), name.size());
    used += name.size();
    out[used++] = static_cast<unsigned char>(value.size() & 0xFF);
    out[used++] = static_cast<unsigned char>(value.size() >> 8);
    std::memcpy(out + used, value.data(), value.size());
    used += value.size();
  }
  return used + 1;
}

// The inverse of Encode over a consistent copy; stops at anything malformed.
void Decode(const unsigned char* in, std::size_t size, ExemplarSample& out) {
  std::size_t i = 0;
  while (i < size) {
    const std::size_t name_size = in[i++];
    if (i + name_size + 2 > size) return;
    std::string name(reinterpret_cast<const char*>(in + i), name_size);
    i += name_size;
    const std::size_t value_size = in[i] | static_cast<std::size_t>(in[i + 1]) << 8;
    i += 2;
    if (i + value_size > size) return;
    out.labels.push_back(
        {std::move(name), std::string(reinterpret_cast<const char*>(in + i), value_size)});
    i += value_size;
  }
}

// The kernel's last tick of the wall clock, in nanoseconds: a few ns where
// reading the exact time costs 20 ns or more, and well within what an
// exemplar's timestamp needs (Prometheus keeps milliseconds; a tick is 1 to
// 4 ms). Integer, so the recorder does no floating-point work; Read converts.
std::uint64_t CoarseWallClockNanos() {
  timespec now{};
  if (clock_gettime(CLOCK_REALTIME_COARSE, &now) != 0) {
    return static_cast<std::uint64_t>(WallClockSeconds() * 1e9);
  }
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace

const Counter& ExemplarsDropped() {
  static const Counter& counter = NewSelfCounter(
      "exemplars_dropped_total",
      "Exemplars dropped because their labels were invalid or longer than 128 characters");
  return counter;
}

void ExemplarStore::Record(std::size_t index, std::size_t count, double value,
                           ExemplarLabels labels) noexcept {
  alignas(8) unsigned char buffer[kExemplarMaxBytes];
  const std::size_t encoded = Encode(labels, buffer);
  if (encoded == 0) {
    ExemplarsDropped().Inc();
    return;
  }
  const std::size_t size = encoded - 1;
  ExemplarSlot* slots = slots_.load(std::memory_order_acquire);
  if (slots == nullptr) {
    // The one allocation of a series' lifetime; a loser of the race frees its own.
    auto* fresh = new (std::nothrow) ExemplarSlot[count];
    if (fresh == nullptr) return;  // out of memory: lose the exemplar, keep the sample
    if (slots_.compare_exchange_strong(slots, fresh, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      slots = fresh;
    } else {
      delete[] fresh;
    }
  }
  ExemplarSlot& slot = slots[index];
  // Setting the low bit claims the slot; if it was set, a writer already in
  // the slot stores an exemplar as new as ours: let it win rather than wait.
  const std::uint64_t seq = slot.seq.fetch_or(1, std::memory_order_relaxed);
  if ((seq & 1) != 0) return;
  // Release stores (plain moves on x86) instead of a fence, which TSan cannot
  // model: a reader that sees any of them also sees the odd sequence above.
  slot.value.store(ToBits(value), std::memory_order_release);
  slot.timestamp.store(CoarseWallClockNanos(), std::memory_order_release);
  slot.size.store(size, std::memory_order_release);
  for (std::size_t w = 0; w * 8 < size; ++w) {
    std::uint64_t word;
    std::memcpy(&word, buffer + w * 8, sizeof word);
    slot.words[w].store(word, std::memory_order_release);
  }
  slot.seq.store(seq + 2, std::memory_order_release);
}

bool ExemplarStore::Read(std::size_t index, ExemplarSample& out) const {
  const ExemplarSlot* slots = slots_.load(std::memory_order_acquire);
  if (slots == nullptr) return false;
  const ExemplarSlot& slot = slots[index];
  alignas(8) unsigned char buffer[kExemplarMaxBytes];
  // A writer holds the slot for nanoseconds; a reader that keeps losing to
  // writers skips this exemplar for one scrape rather than spin without end.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::uint64_t before = slot.seq.load(std::memory_order_acquire);
    if (before == 0) return false;
    if ((before & 1) != 0) continue;
    // Acquire loads pair with the writer's release stores (see Record).
    const double value = FromBits(slot.value.load(std::memory_order_acquire));
    // Whole seconds and the rest apart: a double of all the nanoseconds
    // would round the timestamp to a quarter microsecond.
    const std::uint64_t nanos = slot.timestamp.load(std::memory_order_acquire);
    const std::uint64_t whole_seconds = nanos / 1'000'000'000u;
    const std::uint64_t rest_nanos = nanos % 1'000'000'000u;
    const double timestamp =
        static_cast<double>(whole_seconds) + static_cast<double>(rest_nanos) * 1e-9;
    std::size_t size = slot.size.load(std::memory_order_acquire);
    if (size > kExemplarMaxBytes) size = kExemplarMaxBytes;  // torn: retried below
    for (std::size_t w = 0; w * 8 < size; ++w) {
      const std::uint64_t word = slot.words[w].load(std::memory_order_acquire);
      std::memcpy(buffer + w * 8, &word, sizeof word);
    }
    if (slot.seq.load(std::memory_order_relaxed) != before) continue;
    out.labels.clear();
    Decode(buffer, size, out);
    out.value = value;
    out.timestamp = timestamp;
    return true;
  }
  return false;
}

}  // namespace semstreams::metric::detail
