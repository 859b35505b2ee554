#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace semstreams::metric::detail {
namespace {

Status TlsError(std::string message) { return Status(ErrorCode::kTlsConfig, std::move(message)); }

Status CheckReadable(const std::string& field, const std::string& path) {
  if (path.empty()) return TlsError("tls.server." + field + " is required when TLS is enabled");
  std::ifstream file(path, std::ios::binary);
  if (!file || file.peek() == std::ifstream::traits_type::eof()) {
    const int err = errno;
    return TlsError("tls.server." + field + " \"" + path + "\" is not readable" +
                    (err != 0 ? std::string(": ") + std::strerror(err) : std::string(" or empty")));
  }
  return Status::Ok();
}

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace

Status ValidateServerTls(const security::ServerTLSConfig& config) {
  if (config.mode == "acme") {
    return TlsError(
        "tls.server.mode \"acme\" is not supported by the metrics server; use mode "
        "\"manual\" with cert_file and key_file");
  }
  if (!config.mode.empty() && config.mode != "manual") {
    return TlsError("tls.server.mode \"" + config.mode + "\" is unknown; use \"manual\"");
  }
  if (!config.min_version.empty() && config.min_version != "1.2" && config.min_version != "1.3") {
    return TlsError("tls.server.min_version \"" + config.min_version +
                    "\" is not supported; use \"1.2\" or \"1.3\"");
  }
  Status status = CheckReadable("cert_file", config.cert_file);
  if (!status.ok()) return status;
  status = CheckReadable("key_file", config.key_file);
  if (!status.ok()) return status;
  if (config.mtls.enabled) {
    if (config.mtls.client_ca_files.empty()) {
      return TlsError(
          "tls.server.mtls.client_ca_files must name at least one CA when mTLS is enabled");
    }
    for (const auto& file : config.mtls.client_ca_files) {
      status = CheckReadable("mtls.client_ca_files", file);
      if (!status.ok()) return status;
    }
  }
  return Status::Ok();
}

std::string ConfigureServerTls(void* ssl_ctx, const security::ServerTLSConfig& config) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
    return "cannot load tls.server.cert_file \"" + config.cert_file + "\": " + OpenSslErrors();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return "cannot load tls.server.key_file \"" + config.key_file + "\": " + OpenSslErrors();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return "tls.server.key_file does not match tls.server.cert_file: " + OpenSslErrors();
  }
  const int floor = config.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, floor) != 1) {
    return "cannot set tls.server.min_version: " + OpenSslErrors();
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  if (!config.mtls.enabled) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return "";
  }
  STACK_OF(X509_NAME)* acceptable = sk_X509_NAME_new_null();
  for (const auto& file : config.mtls.client_ca_files) {
    if (SSL_CTX_load_verify_locations(ctx, file.c_str(), nullptr) != 1 ||
        SSL_add_file_cert_subjects_to_stack(acceptable, file.c_str()) != 1) {
      sk_X509_NAME_pop_free(acceptable, X509_NAME_free);
      return "cannot load tls.server.mtls.client_ca_files \"" + file + "\": " + OpenSslErrors();
    }
  }
  SSL_CTX_set_client_CA_list(ctx, acceptable);  // takes ownership
  int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
  if (config.mtls.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  // Required by OpenSSL whenever client certificates are verified and sessions
  // may be resumed; any fixed value unique to this server will do.
  static constexpr unsigned char kSessionContext[] = "semstreams-metric";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  return "";
}

std::string PeerCommonName(void* peer_cert) {
  if (peer_cert == nullptr) return "";
  X509_NAME* subject = X509_get_subject_name(static_cast<X509*>(peer_cert));
  if (subject == nullptr) return "";
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return "";
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

std::string ClientCommonName(void* ssl) {
  X509* cert = SSL_get1_peer_certificate(static_cast<SSL*>(ssl));
  if (cert == nullptr) return "";
  std::string name = PeerCommonName(cert);
  X509_free(cert);
  return name;
}

}  // namespace semstreams::metric::detail
