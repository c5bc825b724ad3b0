import Fluent
import Vapor

/// `POST /api/v1/auth/login` and `GET /api/v1/me`.
enum AuthAPIController {
    static func login(req: Request) async throws -> Response {
        let body = try req.content.decode(LoginRequest.self)
        var problems: [FieldProblem] = []
        if (body.login ?? "").isEmpty { problems.append(FieldProblem("login", "error.required")) }
        if (body.password ?? "").isEmpty { problems.append(FieldProblem("password", "error.required")) }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        let accounts = req.accounts
        switch try await accounts.signIn(login: body.login!, password: body.password!, address: req.clientAddress, channel: "api",
                                         policy: req.application.lantoaConfig.signIn) {
        case let .signedIn(user):
            return try await accounts.issueToken(for: user).encodeResponse(status: .ok, for: req)
        case .refused:
            throw AppError.unauthorized
        case let .paused(seconds):
            throw AppError.signInPaused(seconds: seconds)
        }
    }

    /// Revokes the token the request carries.
    static func logout(req: Request) async throws -> HTTPStatus {
        if let bearer = req.headers.bearerAuthorization {
            try await UserToken.query(on: req.db).filter(\.$tokenHash == AccountService.hash(bearer.token)).delete()
        }
        return .noContent
    }

    static func changePassword(req: Request) async throws -> HTTPStatus {
        guard let user = req.auth.get(User.self) else { throw AppError.unauthorized }
        let body = try req.content.decode(ChangePasswordRequest.self)
        try await req.accounts.changeOwnPassword(user, current: body.currentPassword, new: body.newPassword,
                                                 keepingToken: req.headers.bearerAuthorization?.token)
        return .noContent
    }

    static func me(req: Request) async throws -> UserResponse {
        guard let user = req.auth.get(User.self) else { throw AppError.unauthorized }
        return try await req.accounts.response(user)
    }
}
