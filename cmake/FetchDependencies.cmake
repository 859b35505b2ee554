# SEMSTREAMS_METRIC_FETCH_DEPS: prometheus-cpp 1.3.0's core library, built from
# source through FetchContent. Included by Dependencies.cmake.
include(FetchContent)
# The upstream release archive. Not downloaded here (no network): the hash is
# the one independent FetchContent/Bazel users publish for the v1.3.0 archive
# (docs/building.md). Point the URL at a local archive with its own SHA256 to
# build offline, or set FETCHCONTENT_SOURCE_DIR_PROMETHEUS_CPP to an unpacked tree.
set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_URL
    "https://github.com/jupp0r/prometheus-cpp/archive/refs/tags/v1.3.0.tar.gz"
    CACHE STRING "Where FetchContent gets prometheus-cpp 1.3.0")
set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_SHA256
    "ac6e958405a29fbbea9db70b00fa3c420e16ad32e1baf941ab233ba031dd72ee"
    CACHE STRING "SHA256 of SEMSTREAMS_METRIC_PROMETHEUS_CPP_URL")

FetchContent_Declare(prometheus_cpp
  URL "${SEMSTREAMS_METRIC_PROMETHEUS_CPP_URL}"
  URL_HASH "SHA256=${SEMSTREAMS_METRIC_PROMETHEUS_CPP_SHA256}"
  DOWNLOAD_EXTRACT_TIMESTAMP TRUE)

# A function, so these settings stay prometheus-cpp's and do not leak into ours.
function(semstreams_metric_fetch_prometheus_cpp)
  # Static and position independent, installed beside this library. Only the
  # core: our server is our own, so neither civetweb nor the pull library is built.
  set(BUILD_SHARED_LIBS OFF)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  set(ENABLE_PULL OFF)
  set(ENABLE_PUSH OFF)
  set(ENABLE_COMPRESSION OFF)
  set(ENABLE_TESTING OFF)
  set(USE_THIRDPARTY_LIBRARIES OFF)
  # Its pkg-config files name the configure-time prefix and would break a
  # relocated install; semstreams_metric.pc names its libraries instead.
  set(GENERATE_PKGCONFIG OFF)
  FetchContent_MakeAvailable(prometheus_cpp)
endfunction()
semstreams_metric_fetch_prometheus_cpp()

set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION 1.3.0)
set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR "")  # installed beside this library
