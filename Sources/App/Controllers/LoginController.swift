import Vapor

/// The sign-in page, sign-out and the language switch.
enum LoginController {
    struct LoginForm: Content {
        var login: String?
        var password: String?
        var next: String?
    }

    static func show(req: Request) async throws -> View {
        try await req.view.render("login", LoginPage(layout: Layout(request: req, title: req.t("login.title")), login: "",
                                                     next: safeNext(req.query[String.self, at: "next"]), failed: false))
    }

    static func submit(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let accounts = AccountService(db: req.db, clock: req.clock)
        if let user = try await accounts.authenticate(login: form.login ?? "", password: form.password ?? "") {
            req.auth.login(user)
            req.session.authenticate(user)
            return req.redirect(to: safeNext(form.next))
        }
        let page = LoginPage(layout: Layout(request: req, title: req.t("login.title")), login: form.login ?? "",
                             next: safeNext(form.next), failed: true)
        return try await req.view.render("login", page).encodeResponse(status: .unauthorized, for: req)
    }

    static func logout(req: Request) async throws -> Response {
        req.auth.logout(User.self)
        req.session.destroy()
        return req.redirect(to: "/login")
    }

    static func language(req: Request) async throws -> Response {
        let lang = Language(rawValue: req.parameters.get("lang") ?? "") ?? .vi
        let response = req.redirect(to: safeNext(req.query[String.self, at: "next"]))
        response.cookies["lang"] = HTTPCookies.Value(string: lang.rawValue, maxAge: 365 * 86400, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }

    /// Only local paths, so that the login page cannot be used to send people elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/units" }
        return next
    }
}
