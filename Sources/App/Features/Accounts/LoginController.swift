import Vapor

/// The sign-in page, sign-out and the language switch.
enum LoginController {
    struct LoginForm: Content {
        var login: String?
        var password: String?
        var next: String?
    }

    static func show(req: Request) async throws -> View {
        try await req.view.render("accounts/login", LoginPage(layout: Layout(request: req, title: req.t("login.title")), login: "",
                                                     next: safeNext(req.query[String.self, at: "next"]), failed: false, message: ""))
    }

    static func submit(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let accounts = req.accounts
        let outcome = try await accounts.signIn(login: form.login ?? "", password: form.password ?? "", address: req.clientAddress,
                                                channel: "web", policy: req.application.lantoaConfig.signIn)
        let message: String
        let status: HTTPResponseStatus
        switch outcome {
        case let .signedIn(user):
            try await SessionLifetime.start(for: user, on: req)
            return req.redirect(to: safeNext(form.next))
        case .refused:
            (message, status) = (req.t("login.failed"), .unauthorized)
        case let .paused(seconds):
            (message, status) = (req.t("login.paused", String(max(1, (seconds + 59) / 60))), .tooManyRequests)
        }
        let page = LoginPage(layout: Layout(request: req, title: req.t("login.title")), login: form.login ?? "",
                             next: safeNext(form.next), failed: true, message: message)
        let response = try await req.view.render("accounts/login", page).encodeResponse(status: status, for: req)
        if case let .paused(seconds) = outcome { response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds)) }
        return response
    }

    static func logout(req: Request) async throws -> Response {
        req.auth.logout(User.self)
        req.session.destroy()
        return req.redirect(to: SiteURL.login.path)
    }

    static func language(req: Request) async throws -> Response {
        let lang = Language(rawValue: req.parameters.get("lang") ?? "") ?? .vi
        let response = req.redirect(to: safeNext(req.query[String.self, at: "next"]))
        response.cookies["lang"] = HTTPCookies.Value(string: lang.rawValue, maxAge: 365 * 86400, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }

    /// Only local paths, so that the login page cannot be used to send people elsewhere. Browsers drop tabs and line
    /// breaks from a URL (`/\t/evil.example` becomes `//evil.example`), so any control character or space refuses it.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0.properties.isWhitespace }) else { return SiteURL.units.path }
        return next
    }
}
