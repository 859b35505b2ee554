# Found by prometheus-cpp's find_package(civetweb-3rdparty) in place of its own
# config (cmake/Dependencies.cmake sets civetweb-3rdparty_DIR here). Builds
# the same OBJECT target, `civetweb`, that prometheus-cpp compiles into
# prometheus-cpp-pull, from the civetweb fetched beside it, so that one
# civetweb exists and its headers are the ones this project compiles against.
# Differences from prometheus-cpp's own: OpenSSL 3 API selected explicitly,
# IPv6 always on.
set(_semstreams_civetweb "${SEMSTREAMS_METRIC_CIVETWEB_SOURCE_DIR}")
if(NOT EXISTS "${_semstreams_civetweb}/src/civetweb.c")
  message(FATAL_ERROR "civetweb sources not found in \"${_semstreams_civetweb}\"")
endif()
set(CIVETWEB_INCLUDE_DIR "${_semstreams_civetweb}/include")
set(CIVETWEB_INCLUDE_DIRS "${CIVETWEB_INCLUDE_DIR}")

add_library(civetweb OBJECT
  ${_semstreams_civetweb}/src/CivetServer.cpp
  ${_semstreams_civetweb}/src/civetweb.c)
set_property(TARGET civetweb PROPERTY PUBLIC_HEADER
  ${_semstreams_civetweb}/include/CivetServer.h
  ${_semstreams_civetweb}/include/civetweb.h)
target_include_directories(civetweb PRIVATE ${CIVETWEB_INCLUDE_DIRS})
find_package(OpenSSL 3 REQUIRED)
target_compile_definitions(civetweb PRIVATE
  CIVETWEB_API=
  USE_IPV6              # "[::1]" and "[::]" listening ports
  NO_SSL_DL             # link OpenSSL, not dlopen("libssl.so") at run time
  OPENSSL_API_3_0
  NDEBUG
  NO_CGI
  NO_CACHING
  NO_FILES
  SOCKET_TIMEOUT_QUANTUM=200)
target_link_libraries(civetweb PUBLIC OpenSSL::SSL)
# Upstream code, not ours to warn about.
target_compile_options(civetweb PRIVATE -w)
unset(_semstreams_civetweb)
