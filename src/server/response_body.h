#pragma once

#include <cstddef>
#include <string>

namespace semstreams::metric::detail {

/// \brief The bytes of one response while they wait on the client.
///
/// A scrape body is built in a worker's heap and may then wait on a slow
/// client for up to write_timeout. Large bodies are copied into pages mapped
/// for them alone and unmapped when the write ends, so that the memory slow
/// readers hold goes back to the system exactly then: it never piles up in
/// malloc's arenas, and the host's heap is never trimmed on our behalf. Small
/// bodies stay in their string.
class ResponseBody {
 public:
  ResponseBody() = default;
  /// \brief Takes `bytes`, moving large ones to pages of their own (falling
  /// back to the string if the system refuses the mapping).
  explicit ResponseBody(std::string bytes);
  ~ResponseBody();
  ResponseBody(ResponseBody&& other) noexcept;
  ResponseBody& operator=(ResponseBody&& other) noexcept;
  ResponseBody(const ResponseBody&) = delete;
  ResponseBody& operator=(const ResponseBody&) = delete;

  char* data() { return mapped_ != nullptr ? mapped_ : small_.data(); }
  std::size_t size() const { return size_; }

 private:
  void Release();

  std::string small_;
  char* mapped_ = nullptr;
  std::size_t mapped_length_ = 0;
  std::size_t size_ = 0;
};

}  // namespace semstreams::metric::detail
