import Foundation
import NIOSSL
import PostgresNIO

/// The TLS a PostgreSQL URL asks for, read as libpq reads `sslmode`: `disable`; `allow` and `prefer` (TLS when the
/// server offers it, certificate not checked; `prefer` is the default); `require` (TLS, certificate not checked);
/// `verify-ca` (TLS, certificate chain checked against the system's roots or `sslrootcert`); `verify-full` (the chain
/// and the host name).
struct PostgresTLS: Equatable {
    enum Mode: String {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var mode: Mode
    var rootCertificate: String?

    struct Unknown: Error, CustomStringConvertible {
        var value: String
        var description: String { "DATABASE_URL: sslmode=\(value) is not one of disable, allow, prefer, require, verify-ca, verify-full" }
    }

    init(url: String) throws {
        let items = URLComponents(string: url)?.queryItems ?? []
        let raw = items.last(where: { ["sslmode", "tlsmode"].contains($0.name.lowercased()) })?.value ?? "prefer"
        guard let mode = Mode(rawValue: raw.lowercased()) else { throw Unknown(value: raw) }
        self.mode = mode
        self.rootCertificate = items.last(where: { $0.name == "sslrootcert" })?.value
    }

    /// The same URL without the TLS parameters, which are applied here rather than by the driver's own reading.
    static func stripped(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.queryItems = components.queryItems?.filter { !["sslmode", "tlsmode", "sslrootcert", "ssl", "tls"].contains($0.name.lowercased()) }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        return components.string ?? url
    }

    func configuration() throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: tls))
        case .require:
            tls.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: tls))
        case .verifyCA, .verifyFull:
            tls.certificateVerification = mode == .verifyFull ? .fullVerification : .noHostnameVerification
            if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
            return .require(try NIOSSLContext(configuration: tls))
        }
    }
}
