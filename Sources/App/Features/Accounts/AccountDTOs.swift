import LanToaCore
import Vapor

struct LoginRequest: Content {
    var login: String?
    var password: String?
}

struct LoginResponse: Content {
    var token: String
    var expiresAt: Date
    /// Exchanged at `POST /auth/refresh` for a new pair, so that a phone offline past the token's 12 hours keeps its queue.
    var refreshToken: String
    var refreshExpiresAt: Date
    /// The account the tokens are for (a phone tags its offline queue with it).
    var account: UUID
    /// The AES-256-GCM key (base64) a phone encrypts personal fields of its offline queue with.
    var queueKey: String
}

struct RefreshRequest: Content {
    var refreshToken: String?
}

struct TokenResponse: Content {
    var id: UUID
    /// `access` or `refresh`.
    var kind: String
    var createdAt: Date?
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
    /// The member of the team registry the account belongs to.
    var member: UUID?
}

/// `PUT /api/v1/users/{id}/member`: the phone of the member the account belongs to (empty to unlink).
struct LinkMemberRequest: Content {
    var phone: String?
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
