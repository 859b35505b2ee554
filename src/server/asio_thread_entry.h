#pragma once

// Header-only Asio defines one extern "C" inline function, the entry of the
// threads it starts (its resolver's among them). As an inline C function it
// would be a global weak symbol of every object that includes Asio: a name
// the library would define for the whole process. CMake renames it in the
// server's objects and includes this header before anything else in them:
// declared static first, in Asio's namespace, Asio's own declaration then
// names the same function, and every object keeps a private copy.
namespace boost::asio::detail {
extern "C" {
// NOLINTNEXTLINE(misc-use-anonymous-namespace): Asio's later declaration must name this one
static void* semstreams_metric_asio_posix_thread_function(void* arg);
}
}  // namespace boost::asio::detail

// Its definition, in every object: also those that use no other part of Asio.
#include <boost/asio/detail/posix_thread.hpp>
