# Finds or builds what the library links, in one of two modes:
#
#   default                        the system's prometheus-cpp and civetweb
#                                  (Debian 12: prometheus-cpp 1.0.1, civetweb 1.15)
#   SEMSTREAMS_METRIC_FETCH_DEPS   prometheus-cpp 1.3.0 and the civetweb it pins (1.16),
#                                  built from source through FetchContent
#
# Either way the library is compiled against the civetweb headers whose code it
# links: semstreams_metric_use_civetweb(<target>) gives a target those headers.
# Records, for the installed package config, what was used:
#   SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION, SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR,
#   SEMSTREAMS_METRIC_CIVETWEB_VERSION (system mode only).
option(SEMSTREAMS_METRIC_FETCH_DEPS
       "Build prometheus-cpp 1.3.0 and its civetweb from source (FetchContent) instead of using the system's"
       OFF)

include(${CMAKE_CURRENT_LIST_DIR}/semstreams_metricPrometheusCppVersion.cmake)

find_package(Threads REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)  # gzip for /metrics

if(NOT SEMSTREAMS_METRIC_FETCH_DEPS)
  find_package(prometheus-cpp CONFIG REQUIRED)  # Debian ships no version file
  find_package(civetweb CONFIG REQUIRED)  # CivetCallbacks for the Exposer
  semstreams_metric_prometheus_cpp_version(SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION)
  set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR "${prometheus-cpp_DIR}")
  set(SEMSTREAMS_METRIC_CIVETWEB_VERSION "${civetweb_VERSION}")
  function(semstreams_metric_use_civetweb target)
    target_link_libraries(${target} PRIVATE civetweb::civetweb-cpp)
  endfunction()
  return()
endif()

include(FetchContent)
# Upstream release archives. The hashes were checked against published pins:
# prometheus-cpp's own bazel/repositories.bzl pins civetweb v1.16 by this
# SHA256, and several independent FetchContent/Bazel users pin the
# prometheus-cpp v1.3.0 archive by this one (see README, "Building from source").
# Point the URL at a local copy (file://...) with its own SHA256 to build
# offline, or set FETCHCONTENT_SOURCE_DIR_PROMETHEUS_CPP /
# FETCHCONTENT_SOURCE_DIR_CIVETWEB to unpacked trees.
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
set(SEMSTREAMS_METRIC_CIVETWEB_VERSION "")  # compiled into prometheus-cpp-pull

# The headers of the civetweb compiled into prometheus-cpp::pull; its code
# comes from there, so nothing else is linked.
function(semstreams_metric_use_civetweb target)
  target_include_directories(${target} SYSTEM PRIVATE
    $<BUILD_INTERFACE:${SEMSTREAMS_METRIC_CIVETWEB_SOURCE_DIR}/include>)
  target_compile_definitions(${target} PRIVATE SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL)
endfunction()
