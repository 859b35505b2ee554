#pragma once

#include <string>

#include "semstreams/metric/status.h"
#include "semstreams/security/config.h"

namespace semstreams::metric::detail {

/// \brief Checks what can be checked before civetweb starts: mode, version and
/// that every file is readable. kTlsConfig naming the field on failure.
Status ValidateServerTls(const security::ServerTLSConfig& config);

/// \brief Loads certificates, key, protocol floor and client verification into
/// `ssl_ctx` (an SSL_CTX*); returns what went wrong, empty on success.
std::string ConfigureServerTls(void* ssl_ctx, const security::ServerTLSConfig& config);

/// \brief The common name in the subject of `peer_cert` (an X509*), empty when
/// there is none.
std::string PeerCommonName(void* peer_cert);

/// \brief Makes civetweb's run-time OpenSSL lookup succeed (see tls.cc); once
/// per process. kTlsConfig when the compatibility modules cannot be loaded.
Status PrepareCivetwebOpenSsl();

}  // namespace semstreams::metric::detail
