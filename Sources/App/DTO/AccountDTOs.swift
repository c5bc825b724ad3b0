import LanToaCore
import Vapor

struct LoginRequest: Content {
    var login: String?
    var password: String?
}

struct LoginResponse: Content {
    var token: String
    var expiresAt: Date
}

struct UserResponse: Content {
    var id: UUID
    var login: String
    var displayName: String
    var role: Role
    var scope: UnitRef?
    var disabled: Bool
    /// When the account's sign-in lockout ends, if it is locked out now.
    var lockedUntil: Date?
    /// Whether the password was set by someone else and must be changed at the next sign-in.
    var mustChangePassword: Bool
}

struct ResetPasswordRequest: Content {
    var password: String?
}

struct ChangePasswordRequest: Content {
    var currentPassword: String?
    var newPassword: String?
}

struct CreateUserRequest: Content {
    var login: String?
    var password: String?
    var displayName: String?
    var role: String?
    var scope: String?
}

struct AuditEntryResponse: Content {
    var id: UUID
    var at: Date
    var actor: String
    var action: String
    var entity: String
    var entityId: String
    var summary: String
    var before: String
    var after: String
}
