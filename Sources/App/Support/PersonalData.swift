import Crypto
import Foundation
import LanToaCore

/// Seals personal data at rest (AES-256-GCM) and hashes it for look-up (HMAC-SHA256), with keys from configuration.
///
/// A sealed value is `<key id>:<base64 of nonce, ciphertext and tag>`, so that values sealed with the previous key can
/// still be opened while `lantoa rotate-data-key` re-seals them. The look-up key is derived from the current key.
struct PersonalDataProtector: Sendable {
    let keyID: String
    private let key: SymmetricKey
    private let previous: [String: SymmetricKey]
    private let lookupKey: SymmetricKey

    enum Failure: Error {
        case unknownKey(String)
        case malformed
    }

    init(key: Data, previousKey: Data? = nil) {
        self.key = SymmetricKey(data: key)
        self.keyID = Self.identifier(of: key)
        var previous: [String: SymmetricKey] = [:]
        if let previousKey { previous[Self.identifier(of: previousKey)] = SymmetricKey(data: previousKey) }
        self.previous = previous
        self.lookupKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: self.key, info: Data("lantoa personal data lookup".utf8), outputByteCount: 32)
    }

    static func identifier(of key: Data) -> String {
        SHA256.hash(data: key).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    func seal(_ text: String) throws -> String {
        let box = try AES.GCM.seal(Data(text.utf8), using: key)
        return keyID + ":" + box.combined!.base64EncodedString()
    }

    func open(_ sealed: String) throws -> String {
        guard let colon = sealed.firstIndex(of: ":"), let data = Data(base64Encoded: String(sealed[sealed.index(after: colon)...])) else {
            throw Failure.malformed
        }
        let id = String(sealed[..<colon])
        guard let usedKey = id == keyID ? key : previous[id] else { throw Failure.unknownKey(id) }
        return String(decoding: try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: usedKey), as: UTF8.self)
    }

    /// Whether a sealed value was sealed with the current key.
    func isCurrent(_ sealed: String) -> Bool { sealed.hasPrefix(keyID + ":") }

    func lookupHash(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: lookupKey).map { String(format: "%02x", $0) }.joined()
    }
}
