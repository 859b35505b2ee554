# SEMSTREAMS_METRIC_FETCH_DEPS: prometheus-cpp 1.3.0 and the civetweb it pins
# (1.16), built from source through FetchContent. Included by Dependencies.cmake.
include(FetchContent)
# Upstream release archives. Not downloaded here (no network): the hashes are
# the published pins, prometheus-cpp 1.3.0's own bazel/repositories.bzl for
# civetweb v1.16, and independent FetchContent/Bazel users' for the
# prometheus-cpp v1.3.0 archive (README, "Which prometheus-cpp"). Point a URL
# at a local archive with its own SHA256 to build offline, or set
# FETCHCONTENT_SOURCE_DIR_PROMETHEUS_CPP / FETCHCONTENT_SOURCE_DIR_CIVETWEB to
# unpacked trees.
set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_URL
    "https://github.com/jupp0r/prometheus-cpp/archive/refs/tags/v1.3.0.tar.gz"
    CACHE STRING "Where FetchContent gets prometheus-cpp 1.3.0")
set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_SHA256
    "ac6e958405a29fbbea9db70b00fa3c420e16ad32e1baf941ab233ba031dd72ee"
    CACHE STRING "SHA256 of SEMSTREAMS_METRIC_PROMETHEUS_CPP_URL")
set(SEMSTREAMS_METRIC_CIVETWEB_URL
    "https://github.com/civetweb/civetweb/archive/refs/tags/v1.16.tar.gz"
    CACHE STRING "Where FetchContent gets civetweb 1.16 (the commit prometheus-cpp 1.3.0 pins)")
set(SEMSTREAMS_METRIC_CIVETWEB_SHA256
    "f0e471c1bf4e7804a6cfb41ea9d13e7d623b2bcc7bc1e2a4dd54951a24d60285"
    CACHE STRING "SHA256 of SEMSTREAMS_METRIC_CIVETWEB_URL")

# civetweb is only unpacked (its own CMakeLists.txt would build a second
# civetweb): the SOURCE_SUBDIR holds no CMakeLists.txt.
FetchContent_Declare(civetweb
  URL "${SEMSTREAMS_METRIC_CIVETWEB_URL}"
  URL_HASH "SHA256=${SEMSTREAMS_METRIC_CIVETWEB_SHA256}"
  DOWNLOAD_EXTRACT_TIMESTAMP TRUE
  SOURCE_SUBDIR not-built-on-its-own)
FetchContent_Declare(prometheus_cpp
  URL "${SEMSTREAMS_METRIC_PROMETHEUS_CPP_URL}"
  URL_HASH "SHA256=${SEMSTREAMS_METRIC_PROMETHEUS_CPP_SHA256}"
  DOWNLOAD_EXTRACT_TIMESTAMP TRUE)

# A function, so these settings stay prometheus-cpp's and do not leak into ours.
function(semstreams_metric_fetch_prometheus_cpp)
  FetchContent_MakeAvailable(civetweb)
  set(SEMSTREAMS_METRIC_CIVETWEB_SOURCE_DIR "${civetweb_SOURCE_DIR}" CACHE INTERNAL "")
  # Static and position independent: civetweb's objects live inside
  # libprometheus-cpp-pull.a, the only place its code is linked from.
  set(BUILD_SHARED_LIBS OFF)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  set(ENABLE_PULL ON)
  set(ENABLE_PUSH OFF)
  set(ENABLE_COMPRESSION ON)
  set(ENABLE_TESTING OFF)
  set(USE_THIRDPARTY_LIBRARIES ON)
  set(THIRDPARTY_CIVETWEB_WITH_SSL ON)
  # Its pkg-config files name the configure-time prefix and would break a
  # relocated install; semstreams_metric.pc names its libraries instead.
  set(GENERATE_PKGCONFIG OFF)
  # prometheus-cpp builds its bundled civetweb from 3rdparty/civetweb (a git
  # submodule, empty in release archives). This config file stands in for
  # its own and builds the civetweb fetched above, with IPv6 and OpenSSL 3
  # linked directly (see cmake/civetweb-3rdparty/).
  set(civetweb-3rdparty_DIR "${PROJECT_SOURCE_DIR}/cmake/civetweb-3rdparty")
  FetchContent_MakeAvailable(prometheus_cpp)
endfunction()
semstreams_metric_fetch_prometheus_cpp()

set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION 1.3.0)
set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR "")  # installed beside this library
set(SEMSTREAMS_METRIC_CIVETWEB bundled)  # compiled into prometheus-cpp-pull
set(SEMSTREAMS_METRIC_CIVETWEB_INCLUDE_DIR "${SEMSTREAMS_METRIC_CIVETWEB_SOURCE_DIR}/include")
set(SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL ON)
