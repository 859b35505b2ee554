# Sanitizer and warning settings in one place.
#   -DSEMSTREAMS_METRIC_SANITIZE=address   ASan + UBSan
#   -DSEMSTREAMS_METRIC_SANITIZE=thread    TSan
#   -DSEMSTREAMS_METRIC_SANITIZE=fuzzer    libFuzzer coverage + ASan + UBSan (clang only)
set(SEMSTREAMS_METRIC_SANITIZE "" CACHE STRING "Sanitizer build: address, thread or fuzzer")

if(SEMSTREAMS_METRIC_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(SEMSTREAMS_METRIC_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # GCC warns that TSan does not model a standalone atomic_thread_fence;
  # Asio's handler invocation has one, after the scheduler's mutex already
  # ordered what the handler reads, so TSan's view is not weakened by it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
elseif(SEMSTREAMS_METRIC_SANITIZE STREQUAL "fuzzer")
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT SEMSTREAMS_METRIC_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SEMSTREAMS_METRIC_SANITIZE must be address, thread, fuzzer or empty")
endif()

function(semstreams_metric_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(SEMSTREAMS_METRIC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
