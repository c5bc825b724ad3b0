import Fluent
import Foundation
import LanToaCore
import Vapor

/// Small facts about the installation (reference data version, whether demo data was loaded).
final class Setting: Model, @unchecked Sendable {
    static let schema = "settings"

    @ID(custom: "key", generatedBy: .user) var id: String?
    @Field(key: "value") var value: String

    init() {}

    init(key: String, value: String) {
        self.id = key
        self.value = value
    }
}
