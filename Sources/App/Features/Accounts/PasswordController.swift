import LanToaCore
import Vapor

/// `/account/password`: the signed-in account changes its own password (required first when someone else set it).
enum PasswordController {
    struct Form: Content {
        var currentPassword: String?
        var newPassword: String?
    }

    static func show(req: Request) async throws -> View {
        try await render(req: req, errors: [], done: false)
    }

    static func submit(req: Request) async throws -> Response {
        guard let user = req.auth.get(User.self) else { throw AppError.unauthorized }
        let form = try req.content.decode(Form.self)
        do {
            try await req.accounts.changeOwnPassword(user, current: form.currentPassword, new: form.newPassword)
        } catch let AppError.invalid(problems) {
            let errors = problems.map {
                FieldError(field: $0.field, message: req.t("field.\($0.field)") + ": " + req.application.catalogue.text($0.key, req.language, $0.args))
            }
            return try await render(req: req, errors: errors, done: false).encodeResponse(status: .unprocessableEntity, for: req)
        }
        // A change of credentials is a change of privilege: the session id changes too.
        try await SessionLifetime.start(for: user, on: req)
        return try await render(req: req, errors: [], done: true).encodeResponse(for: req)
    }

    private static func render(req: Request, errors: [FieldError], done: Bool) async throws -> View {
        let user = req.auth.get(User.self)
        let page = PasswordPage(layout: Layout(request: req, title: req.t("password.title")), errors: errors, done: done,
                                required: user?.mustChangePassword == true && req.application.lantoaConfig.requirePasswordChange,
                                minimum: PasswordRules.minimumLength)
        return try await req.view.render("accounts/password", page)
    }
}

/// A field and what is wrong with it, in the page's language.
struct FieldError: Encodable {
    var field: String
    var message: String
}

struct PasswordPage: Encodable {
    var layout: Layout
    var errors: [FieldError]
    var done: Bool
    /// Whether the change is required before anything else.
    var required: Bool
    var minimum: Int
}
