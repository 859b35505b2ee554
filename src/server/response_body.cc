#include "server/response_body.h"

#include <sys/mman.h>

#include <cstring>
#include <utility>

namespace semstreams::metric::detail {
namespace {

// Below this a body is an ordinary allocation: /health, errors, small registries.
constexpr std::size_t kMapFrom = std::size_t{128} * 1024;

}  // namespace

ResponseBody::ResponseBody(std::string bytes) : size_(bytes.size()) {
  if (bytes.size() >= kMapFrom) {
    void* pages =
        mmap(nullptr, bytes.size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages != MAP_FAILED) {
      std::memcpy(pages, bytes.data(), bytes.size());
      mapped_ = static_cast<char*>(pages);
      mapped_length_ = bytes.size();
      return;
    }
  }
  small_ = std::move(bytes);
}

ResponseBody::~ResponseBody() { Release(); }

ResponseBody::ResponseBody(ResponseBody&& other) noexcept
    : small_(std::move(other.small_)),
      mapped_(std::exchange(other.mapped_, nullptr)),
      mapped_length_(std::exchange(other.mapped_length_, 0)),
      size_(std::exchange(other.size_, 0)) {}

ResponseBody& ResponseBody::operator=(ResponseBody&& other) noexcept {
  if (this != &other) {
    Release();
    small_ = std::move(other.small_);
    mapped_ = std::exchange(other.mapped_, nullptr);
    mapped_length_ = std::exchange(other.mapped_length_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ResponseBody::Release() {
  if (mapped_ != nullptr) munmap(mapped_, mapped_length_);
  mapped_ = nullptr;
  mapped_length_ = 0;
  small_ = std::string();
  size_ = 0;
}

}  // namespace semstreams::metric::detail
