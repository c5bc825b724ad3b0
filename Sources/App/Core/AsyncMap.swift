import Fluent
import Foundation
import LanToaCore

/// `map` for an optional whose transform is asynchronous.
extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
