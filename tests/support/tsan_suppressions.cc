// Built into the http tests so a TSan run needs no TSAN_OPTIONS to skip the
// civetweb race documented in tests/tsan.supp, the single copy of the list.
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_suppressions() {
  return
#include "support/tsan_supp.inc"
      ;
}
#endif
