#pragma once

#include <string>

#include "semstreams/metric/status.h"
#include "semstreams/security/config.h"

namespace semstreams::metric::detail {

/// \brief Checks what can be checked before the server starts: mode, version and
/// that every file is readable. kTlsConfig naming the field on failure.
Status ValidateServerTls(const security::ServerTLSConfig& config);

/// \brief Loads certificates, key, protocol floor and client verification into
/// `ssl_ctx` (an SSL_CTX*); returns what went wrong, empty on success.
std::string ConfigureServerTls(void* ssl_ctx, const security::ServerTLSConfig& config);

/// \brief The common name in the subject of `peer_cert` (an X509*), empty when
/// there is none.
std::string PeerCommonName(void* peer_cert);

/// \brief The common name of the certificate the client of `ssl` (an SSL*)
/// presented, empty when it presented none.
std::string ClientCommonName(void* ssl);

}  // namespace semstreams::metric::detail
