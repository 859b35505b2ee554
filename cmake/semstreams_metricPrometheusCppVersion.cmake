# semstreams_metric_prometheus_cpp_version(<out-var>)
# The version of the prometheus-cpp that find_package(prometheus-cpp) found:
# its version file's, else the Version: of the prometheus-cpp-core.pc
# installed beside its CMake files (Debian's 1.0.1 ships no version file),
# else "unknown". Used when building, and by the installed package config to
# compare what a consumer found with what the library was built against.
function(semstreams_metric_prometheus_cpp_version out)
  if(prometheus-cpp_VERSION)
    set(${out} "${prometheus-cpp_VERSION}" PARENT_SCOPE)
    return()
  endif()
  set(version unknown)
  # <libdir>/cmake/prometheus-cpp -> <libdir>/pkgconfig
  get_filename_component(libdir "${prometheus-cpp_DIR}/../.." ABSOLUTE)
  set(pc "${libdir}/pkgconfig/prometheus-cpp-core.pc")
  if(prometheus-cpp_DIR AND EXISTS "${pc}")
    file(STRINGS "${pc}" line REGEX "^Version: *[0-9]" LIMIT_COUNT 1)
    string(REGEX REPLACE "^Version: *([0-9][0-9.]*).*" "\\1" version "${line}")
  endif()
  set(${out} "${version}" PARENT_SCOPE)
endfunction()
