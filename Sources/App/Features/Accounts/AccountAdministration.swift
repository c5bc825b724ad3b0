import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor

/// What officials do to the accounts under them, and what an account holder does to their own password. Every
/// action is in scope (`Scope`), allowed only over roles the actor may create, and audited.
extension AccountService {
    /// An account the actor may administer: inside the actor's subtree, of a role the actor may create, not the actor.
    func administered(_ id: UUID?, by actor: Actor) async throws -> User {
        let scope = Scope(actor: actor, db: db)
        try scope.authorize(.manageAccounts)
        let user = try await scope.find(User.self, id, what: "user")
        guard actor.role.mayCreate(user.role), user.id != actor.userID else { throw AppError.forbidden }
        return user
    }

    /// Links an account to the member of the team registry it belongs to, found by phone within the account's area
    /// and the actor's; an empty phone removes the link.
    func linkMember(_ id: UUID?, phone raw: String?, by actor: Actor) async throws -> User {
        let user = try await administered(id, by: actor)
        let before = user.memberID?.uuidString.lowercased() ?? ""
        let text = (raw ?? "").trimmingWhitespace()
        if text.isEmpty {
            user.memberID = nil
        } else {
            guard let phone = try? PhoneNumber(parsing: text) else { throw AppError.invalid("phone", "error.phone", text) }
            let scope = Scope(actor: actor, db: db)
            guard let member = try await scope.query(Member.self).filter(\.$phone == phone.digits).first(),
                  member.unitPath.hasPrefix(user.unitPath) || user.unitPath.hasPrefix(member.unitPath) else {
                throw AppError.invalid("phone", "error.member_not_in_area", phone.formatted)
            }
            user.memberID = member.id
        }
        let after = user.memberID?.uuidString.lowercased() ?? ""
        try await db.writeTransaction { db in
            try await user.save(on: db)
            try await AuditLog.record(on: db, actor: actor, at: clock.now(), action: .update, entity: "user", entityID: user.id,
                                      unitPath: user.unitPath, summary: "\(user.login): member", before: ["member": before], after: ["member": after])
        }
        return user
    }

    /// An account's live tokens, newest first.
    func tokens(of user: User) async throws -> [TokenResponse] {
        try await UserToken.query(on: db).filter(\.$userID == user.id!).filter(\.$expiresAt > clock.now()).all()
            .sorted { ($0.createdAt ?? .distantPast) > ($1.createdAt ?? .distantPast) }
            .map { TokenResponse(id: $0.id!, kind: $0.kind, createdAt: $0.createdAt, expiresAt: $0.expiresAt) }
    }

    /// Revokes a token of the actor's own, or of an account the actor administers.
    func revokeToken(_ id: UUID, by actor: Actor) async throws {
        guard let token = try await UserToken.find(id, on: db) else { throw AppError.notFound(what: "token") }
        if token.userID != actor.userID { _ = try await administered(token.userID, by: actor) }
        try await token.delete(on: db)
    }

    /// Lifts a sign-in lockout.
    func unlock(_ id: UUID?, by actor: Actor) async throws -> User {
        let user = try await administered(id, by: actor)
        try await db.writeTransaction { db in
            try await SignInGuard(sql: db as! any SQLDatabase, policy: policy, now: clock.now()).unlock(login: user.login)
            try await AuditLog.record(on: db, actor: actor, at: clock.now(), action: .unlock, entity: "user", entityID: user.id,
                                      unitPath: user.unitPath, summary: user.login, before: Nothing?.none, after: Nothing?.none)
        }
        return user
    }

    /// Disables or enables an account; disabling revokes every token at once, and its web sessions end at their next
    /// request (`SessionAccountAuthenticator`).
    func setDisabled(_ id: UUID?, _ disabled: Bool, by actor: Actor) async throws -> User {
        let user = try await administered(id, by: actor)
        let before = user.disabled
        user.disabled = disabled
        try await db.writeTransaction { db in
            try await user.save(on: db)
            if disabled { try await UserToken.query(on: db).filter(\.$userID == user.id!).delete() }
            try await AuditLog.record(on: db, actor: actor, at: clock.now(), action: .update, entity: "user", entityID: user.id,
                                      unitPath: user.unitPath, summary: user.login, before: ["disabled": before], after: ["disabled": disabled])
        }
        return user
    }

    /// Sets a new password chosen by an official: the holder must change it at the next sign-in, every token is
    /// revoked and any lockout lifted. The password itself is never audited.
    func resetPassword(_ id: UUID?, to password: String, by actor: Actor) async throws -> User {
        let user = try await administered(id, by: actor)
        try Self.checkPassword(password, login: user.login, field: "password")
        user.passwordHash = try hashPassword(password)
        user.mustChangePassword = true
        try await db.writeTransaction { db in
            try await user.save(on: db)
            try await UserToken.query(on: db).filter(\.$userID == user.id!).delete()
            try await SignInGuard(sql: db as! any SQLDatabase, policy: policy, now: clock.now()).unlock(login: user.login)
            try await AuditLog.record(on: db, actor: actor, at: clock.now(), action: .update, entity: "user", entityID: user.id,
                                      unitPath: user.unitPath, summary: "\(user.login): password reset", before: Nothing?.none, after: Nothing?.none)
        }
        return user
    }

    /// The holder changes their own password: the current one is checked, the new one meets the rules, and every
    /// other token of the account is revoked (`keepingToken`, the one in use, stays).
    func changeOwnPassword(_ user: User, current: String?, new: String?, keepingToken: String? = nil) async throws {
        var problems: [FieldProblem] = []
        if (current ?? "").isEmpty { problems.append(FieldProblem("currentPassword", "error.required")) }
        if (new ?? "").isEmpty { problems.append(FieldProblem("newPassword", "error.required")) }
        guard problems.isEmpty, let current, let new else { throw AppError.invalid(problems) }
        guard (try? Bcrypt.verify(current, created: user.passwordHash)) == true else {
            throw AppError.invalid("currentPassword", "error.password_wrong")
        }
        try Self.checkPassword(new, login: user.login, field: "newPassword")
        if new == current { throw AppError.invalid("newPassword", "error.password_same") }
        user.passwordHash = try hashPassword(new)
        user.mustChangePassword = false
        let kept = keepingToken.map(Self.hash)
        try await db.writeTransaction { db in
            try await user.save(on: db)
            var revoke = UserToken.query(on: db).filter(\.$userID == user.id!)
            if let kept { revoke = revoke.filter(\.$tokenHash != kept) }
            try await revoke.delete()
            try await AuditLog.record(on: db, actor: Actor(user), at: clock.now(), action: .update, entity: "user", entityID: user.id,
                                      unitPath: user.unitPath, summary: "\(user.login): password changed", before: Nothing?.none, after: Nothing?.none)
        }
    }
}
