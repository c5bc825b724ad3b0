import Fluent
import Foundation
import Vapor

/// Remembers which key sealed a database's personal data, and refuses a start with any other: a server started with
/// the development key (or a mistyped key) on a database sealed with the real one would seal new numbers with the
/// wrong key and fail to open the old ones.
enum DataKeyRecord {
    static let settingKey = "data_key_id"

    struct Mismatch: Error, CustomStringConvertible {
        var recorded: String
        var given: String
        var description: String {
            "LANTOA_DATA_KEY: this database's personal data is sealed with key \(recorded), and the key given is \(given)"
                + (given == PersonalDataProtector.identifier(of: AppConfig.developmentDataKey) ? " (the development key, started with --dev)" : "")
                + ". Start with the key it was sealed with; to change keys, set the old one as LANTOA_DATA_KEY_PREVIOUS and run `lantoa rotate-data-key`."
        }
    }

    /// Records the key at first use; afterwards accepts only the recorded key, or a new key while the recorded one is
    /// the previous key of a rotation.
    static func check(_ app: Application) async throws {
        let given = app.protector.keyID
        let previous = app.lantoaConfig.previousDataKey.map(PersonalDataProtector.identifier)
        guard let recorded = try await Setting.find(settingKey, on: app.db) else {
            try await Setting(key: settingKey, value: given).create(on: app.db)
            return
        }
        guard recorded.value == given || recorded.value == previous else {
            throw Mismatch(recorded: recorded.value, given: given)
        }
    }

    /// After a rotation every value is sealed with the current key: it becomes the recorded one.
    static func rotated(_ app: Application) async throws {
        if let recorded = try await Setting.find(settingKey, on: app.db) {
            recorded.value = app.protector.keyID
            try await recorded.save(on: app.db)
        } else {
            try await Setting(key: settingKey, value: app.protector.keyID).create(on: app.db)
        }
    }
}
