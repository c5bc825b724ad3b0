/// What a password must be: long enough, not the login, not one of the passwords people pick first.
public struct PasswordRules: Sendable {
    public static let minimumLength = 10
    /// Bcrypt reads at most 72 bytes; a longer password would be cut silently.
    public static let maximumBytes = 72

    public enum Problem: String, Sendable, Equatable {
        case tooShort = "password_short"
        case tooLong = "password_long"
        case containsLogin = "password_login"
        case common = "password_common"
    }

    /// Lower-cased common passwords (`Resources/Data/common-passwords.txt`).
    public let common: Set<String>

    public init(common: Set<String>) {
        self.common = common
    }

    /// Reads a list of one password a line.
    public init(list: String) {
        self.init(common: Set(list.split(whereSeparator: \.isNewline).map { $0.lowercased() }))
    }

    /// The first rule `password` breaks for the account `login`, or nil.
    public func problem(password: String, login: String) -> Problem? {
        if password.count < Self.minimumLength { return .tooShort }
        if password.utf8.count > Self.maximumBytes { return .tooLong }
        let folded = password.lowercased()
        let login = login.lowercased()
        if !login.isEmpty, folded == login || (login.count >= 4 && folded.contains(login)) { return .containsLogin }
        if common.contains(folded) { return .common }
        return nil
    }
}
