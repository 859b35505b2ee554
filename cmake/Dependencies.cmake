# Finds or builds what the library links:
#
#   default                        the prometheus-cpp find_package finds (Debian 12: 1.0.1)
#   SEMSTREAMS_METRIC_FETCH_DEPS   prometheus-cpp 1.3.0's core, built from source
#                                  through FetchContent
#
# Only prometheus-cpp's core is linked: the HTTP server is Boost.Beast on
# Boost.Asio (headers only), not prometheus-cpp's civetweb Exposer.
# Records, for the installed package config and the tests:
#   SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION, SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR.
option(SEMSTREAMS_METRIC_FETCH_DEPS
       "Build prometheus-cpp 1.3.0 from source (FetchContent) instead of using the system's"
       OFF)

include(${CMAKE_CURRENT_LIST_DIR}/semstreams_metricPrometheusCppVersion.cmake)

find_package(Threads REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)  # gzip for /metrics
# Beast and Asio: header-only in Debian 12's libboost1.81-dev.
find_package(Boost 1.81 CONFIG REQUIRED)

if(NOT SEMSTREAMS_METRIC_FETCH_DEPS)
  find_package(prometheus-cpp CONFIG REQUIRED)  # Debian ships no version file
  semstreams_metric_prometheus_cpp_version(SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION)
  set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR "${prometheus-cpp_DIR}")
else()
  include(${CMAKE_CURRENT_LIST_DIR}/FetchDependencies.cmake)
endif()
