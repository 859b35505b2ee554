// Built as the module libsemstreams_metric_civetweb_ssl.so with the soname
// "libssl.so"; see PrepareCivetwebOpenSsl() in tls.cc for why it exists.

extern "C" {

struct ssl_st;
struct x509_st;

// Declared by hand: <openssl/ssl.h> turns the old name into a macro.
x509_st* SSL_get1_peer_certificate(const ssl_st* ssl);

// The OpenSSL 1.1 name civetweb asks for. Its 1.1 semantics already were
// those of get1 (the caller owns a reference), which is why 3.0 renamed it.
__attribute__((visibility("default"))) x509_st* SSL_get_peer_certificate(const ssl_st* ssl) {
  return SSL_get1_peer_certificate(ssl);
}

}  // extern "C"
