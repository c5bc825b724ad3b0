import Vapor

/// The headers every answer carries, pages, API, files and errors alike: a Content-Security-Policy without inline
/// scripts or styles, no framing, no MIME sniffing, a strict referrer policy, no powerful browser features, HSTS and
/// `Secure` cookies when the request came over TLS, and `Cache-Control: no-store` on everything but static files, so
/// that no answer holding personal data stays in a shared or browser cache.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
        "manifest-src 'self'", "worker-src 'self'",
    ].joined(separator: "; ")

    static let permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers = [
            ("Content-Security-Policy", Self.contentSecurityPolicy),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", Self.permissionsPolicy),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        if !response.headers.contains(name: .cacheControl), !Self.isStaticFile(request, response) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        if request.isSecure {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
            for (name, var cookie) in response.cookies.all {
                cookie.isSecure = true
                response.cookies[name] = cookie
            }
        }
        return response
    }

    /// Files served from `Public/` (styles, scripts, icons) may be cached: they hold nothing personal.
    private static func isStaticFile(_ request: Request, _ response: Response) -> Bool {
        request.method == .GET && response.headers.contains(name: .eTag) && !request.url.path.hasPrefix("/api/")
    }
}
