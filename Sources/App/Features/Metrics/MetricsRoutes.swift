import Vapor

/// `/metrics`: the operational metrics, for a Prometheus server on the same machine (loopback) or one holding the
/// configured token (`LANTOA_METRICS_TOKEN`, sent as `Authorization: Bearer …`). Outside the API document, like `/health`.
enum MetricsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.root.get("metrics", use: scrape)
    }

    static func scrape(req: Request) async throws -> Response {
        guard allowed(req) else { throw Abort(.forbidden) }
        let body = try await req.application.metrics.scrape(req.application)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }

    /// The configured token, compared in constant time, or a client on this machine. Behind a proxy the client is the
    /// one the proxy names, so a request through the proxy is never taken for a local one.
    static func allowed(_ req: Request) -> Bool {
        if let token = req.application.lantoaConfig.metricsToken, let sent = req.headers.bearerAuthorization?.token {
            return sent.constantTimeEquals(token)
        }
        let address = req.clientAddress
        return address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}
