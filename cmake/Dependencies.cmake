# Finds or builds what the library links:
#
#   default                        the prometheus-cpp find_package finds (Debian 12:
#                                  1.0.1) and its civetweb: the system's (Debian: 1.15),
#                                  or the one bundled in its pull library
#   SEMSTREAMS_METRIC_FETCH_DEPS   prometheus-cpp 1.3.0 and the civetweb it pins (1.16),
#                                  built from source through FetchContent
#
# Either way the library is compiled against the civetweb headers whose code it
# links: semstreams_metric_use_civetweb(<target>) gives a target those headers.
# Records, for the installed package config and the tests:
#   SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION, SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR,
#   SEMSTREAMS_METRIC_CIVETWEB (system or bundled), SEMSTREAMS_METRIC_CIVETWEB_VERSION
#   (system only), SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL (no shim needed).
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
  semstreams_metric_prometheus_cpp_version(SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION)
  set(SEMSTREAMS_METRIC_PROMETHEUS_CPP_DIR "${prometheus-cpp_DIR}")
  if(TARGET prometheus-cpp::civetweb)
    # A prometheus-cpp built with its bundled civetweb (USE_THIRDPARTY_LIBRARIES,
    # e.g. from source with submodules) carries civetweb's code in its pull
    # library and installs the headers in include/prometheus/: compile against
    # those, never a system civetweb's.
    set(SEMSTREAMS_METRIC_CIVETWEB bundled)
    get_target_property(type prometheus-cpp::pull TYPE)
    if(NOT type STREQUAL "STATIC_LIBRARY")
      message(FATAL_ERROR
        "prometheus-cpp ${SEMSTREAMS_METRIC_PROMETHEUS_CPP_VERSION} at ${prometheus-cpp_DIR} "
        "has its bundled civetweb inside a shared pull library, which hides civetweb's symbols. "
        "Build prometheus-cpp static or with -DUSE_THIRDPARTY_LIBRARIES=OFF, or configure this "
        "project with -DSEMSTREAMS_METRIC_FETCH_DEPS=ON.")
    endif()
    get_target_property(dirs prometheus-cpp::core INTERFACE_INCLUDE_DIRECTORIES)
    list(TRANSFORM dirs APPEND /prometheus)
    find_path(SEMSTREAMS_METRIC_CIVETWEB_INCLUDE_DIR civetweb.h PATHS ${dirs} NO_DEFAULT_PATH
              REQUIRED)
    set(SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL ${PROMETHEUS_CPP_THIRDPARTY_CIVETWEB_WITH_SSL})
  else()
    find_package(civetweb CONFIG REQUIRED)  # CivetCallbacks for the Exposer
    set(SEMSTREAMS_METRIC_CIVETWEB system)
    set(SEMSTREAMS_METRIC_CIVETWEB_VERSION "${civetweb_VERSION}")
    # Debian's loads OpenSSL at run time (see src/server/tls.cc).
    set(SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL OFF)
  endif()
else()
  include(${CMAKE_CURRENT_LIST_DIR}/FetchDependencies.cmake)
endif()

# The headers of the civetweb whose code is linked. A system civetweb is a
# library of its own; a bundled one is compiled into prometheus-cpp::pull,
# so nothing else is linked.
function(semstreams_metric_use_civetweb target)
  if(SEMSTREAMS_METRIC_CIVETWEB STREQUAL "system")
    target_link_libraries(${target} PRIVATE civetweb::civetweb-cpp)
  else()
    target_include_directories(${target} SYSTEM PRIVATE
      $<BUILD_INTERFACE:${SEMSTREAMS_METRIC_CIVETWEB_INCLUDE_DIR}>)
  endif()
  if(SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL)
    target_compile_definitions(${target} PRIVATE SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL)
  endif()
endfunction()
