#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semstreams::metric::detail {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// \brief What frames one response, besides its headers.
struct Framing {
  unsigned version = 11;  // of the request: 10 or 11
  int status = 200;
  bool keep_alive = true;
  std::size_t content_length = 0;
  std::string_view date;  // IMF-fixdate
};

/// \brief The status line and header block of a response, ready to write:
/// `headers` (a Content-Length among them is kept, else one is added), then
/// `extra`, Cache-Control, Date, and Connection where the version needs it.
/// Names and values must hold no CR or LF (see HeaderFieldError).
std::string ResponseHead(const Framing& framing, const HeaderList& headers,
                         const HeaderList& extra);

/// \brief Why `name: value` cannot be a response header (a name that is not
/// an HTTP token, a value with CR, LF or NUL), or empty when it can.
std::string HeaderFieldError(std::string_view name, std::string_view value);

}  // namespace semstreams::metric::detail
