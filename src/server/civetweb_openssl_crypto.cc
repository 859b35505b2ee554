// Built as the module libsemstreams_metric_civetweb_crypto.so with the soname
// "libcrypto.so" and libcrypto.so.3 as its only real dependency; see
// PrepareCivetwebOpenSsl() in tls.cc. civetweb finds every symbol it wants
// through that dependency, so the module itself defines nothing useful.

extern "C" __attribute__((visibility("default"))) int semstreams_metric_civetweb_crypto_module() {
  return 1;
}
