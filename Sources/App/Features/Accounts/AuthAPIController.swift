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
            return try await accounts.issueToken(for: user, protector: req.application.protector).encodeResponse(status: .ok, for: req)
        case .refused:
            throw AppError.unauthorized
        case let .paused(seconds):
            throw AppError.signInPaused(seconds: seconds)
        }
    }

    /// `POST /api/v1/auth/refresh`: a phone back online exchanges its refresh token for a new pair.
    static func refresh(req: Request) async throws -> LoginResponse {
        let body = try req.content.decode(RefreshRequest.self)
        guard let raw = body.refreshToken, !raw.isEmpty else { throw AppError.invalid("refreshToken", "error.required") }
        guard let pair = try await req.accounts.refresh(raw, protector: req.application.protector) else { throw AppError.unauthorized }
        return pair
    }

    /// `GET /api/v1/me/tokens`: the signed-in account's live tokens.
    static func myTokens(req: Request) async throws -> [TokenResponse] {
        guard let user = req.auth.get(User.self) else { throw AppError.unauthorized }
        return try await req.accounts.tokens(of: user)
    }

    /// `DELETE /api/v1/tokens/{id}`: revokes one of the account's own tokens, or of an account it administers.
    static func revokeToken(req: Request) async throws -> HTTPStatus {
        try await req.accounts.revokeToken(try req.parameters.require("id", as: UUID.self), by: try req.actor)
        return .noContent
    }

    /// Revokes the token the request carries.
    static func logout(req: Request) async throws -> HTTPStatus {
        if let bearer = req.headers.bearerAuthorization, let user = req.auth.get(User.self) {
            // The refresh tokens go too: signing out on a phone ends its session for good.
            try await UserToken.query(on: req.db).filter(\.$tokenHash == AccountService.hash(bearer.token)).delete()
            try await UserToken.query(on: req.db).filter(\.$userID == user.id!).filter(\.$kind == "refresh").delete()
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
