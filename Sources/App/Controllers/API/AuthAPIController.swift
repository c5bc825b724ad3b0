import Vapor

/// `POST /api/v1/auth/login` and `GET /api/v1/me`.
enum AuthAPIController {
    static func login(req: Request) async throws -> Response {
        let body = try req.content.decode(LoginRequest.self)
        var problems: [FieldProblem] = []
        if (body.login ?? "").isEmpty { problems.append(FieldProblem("login", "error.required")) }
        if (body.password ?? "").isEmpty { problems.append(FieldProblem("password", "error.required")) }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        let accounts = AccountService(db: req.db, clock: req.clock)
        guard let user = try await accounts.authenticate(login: body.login!, password: body.password!) else {
            throw AppError.unauthorized
        }
        return try await accounts.issueToken(for: user).encodeResponse(status: .ok, for: req)
    }

    static func me(req: Request) async throws -> UserResponse {
        guard let user = req.auth.get(User.self) else { throw AppError.unauthorized }
        return try await AccountService(db: req.db, clock: req.clock).response(user)
    }
}
