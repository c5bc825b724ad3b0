import Fluent
import LanToaCore
import Vapor

/// `/api/v1/users` and `/api/v1/audit`.
enum AccountsAPIController {
    static func index(req: Request) async throws -> ListResponse<UserResponse> {
        let scope = try req.scope
        try scope.authorize(.manageAccounts)
        let page = try req.page()
        let query = scope.query(User.self)
        let total = try await query.count()
        let users = try await query.sort(\.$login).range(page.offset..<(page.offset + page.limit)).all()
        let accounts = req.accounts
        let items = try await accounts.responses(users)
        return ListResponse(items: items, total: total, next: page.next(total: total))
    }

    static func create(req: Request) async throws -> Response {
        let accounts = req.accounts
        let user = try await accounts.create(try req.content.decode(CreateUserRequest.self), by: try req.actor)
        return try await accounts.response(user).encodeResponse(status: .created, for: req)
    }

    static func tokens(req: Request) async throws -> [TokenResponse] {
        let accounts = req.accounts
        return try await accounts.tokens(of: try await accounts.administered(try req.parameters.require("id", as: UUID.self), by: try req.actor))
    }

    static func linkMember(req: Request) async throws -> UserResponse {
        let body = try req.content.decode(LinkMemberRequest.self)
        let accounts = req.accounts
        return try await accounts.response(try await accounts.linkMember(try req.parameters.require("id", as: UUID.self), phone: body.phone,
                                                                          by: try req.actor))
    }

    static func unlock(req: Request) async throws -> UserResponse {
        let accounts = req.accounts
        return try await accounts.response(try await accounts.unlock(try req.parameters.require("id", as: UUID.self), by: try req.actor))
    }

    static func disable(req: Request) async throws -> UserResponse {
        let accounts = req.accounts
        return try await accounts.response(try await accounts.setDisabled(try req.parameters.require("id", as: UUID.self), true, by: try req.actor))
    }

    static func enable(req: Request) async throws -> UserResponse {
        let accounts = req.accounts
        return try await accounts.response(try await accounts.setDisabled(try req.parameters.require("id", as: UUID.self), false, by: try req.actor))
    }

    static func resetPassword(req: Request) async throws -> UserResponse {
        let body = try req.content.decode(ResetPasswordRequest.self)
        guard let password = body.password, !password.isEmpty else { throw AppError.invalid("password", "error.required") }
        let accounts = req.accounts
        return try await accounts.response(try await accounts.resetPassword(try req.parameters.require("id", as: UUID.self), to: password,
                                                                             by: try req.actor))
    }
}
