import Crypto
import Foundation
import LanToaCore

/// Seals personal data at rest (AES-256-GCM) and hashes it for look-up (HMAC-SHA256), with keys from configuration.
///
/// A sealed value is `v2:<key id>:<base64 of nonce, ciphertext and tag>`, sealed with the resident's id as associated
/// data: a value copied onto another resident's row does not open. Values sealed with the previous key still open
/// while `lantoa rotate-data-key` re-seals them (the legacy form `<key id>:<…>`, without associated data, opens too).
/// The look-up key is long-lived and separate from the sealing key (`LANTOA_LOOKUP_KEY`), so that rotating the
/// sealing key never changes a look-up hash; without it (development, or a database from before it existed) it is
/// derived from the sealing key as it used to be.
struct PersonalDataProtector: Sendable {
    let keyID: String
    private let key: SymmetricKey
    private let previous: [String: SymmetricKey]
    private let lookupKey: SymmetricKey

    enum Failure: Error {
        case unknownKey(String)
        case malformed
    }

    init(key: Data, previousKey: Data? = nil, lookupKey: Data? = nil) {
        self.key = SymmetricKey(data: key)
        self.keyID = Self.identifier(of: key)
        var previous: [String: SymmetricKey] = [:]
        if let previousKey { previous[Self.identifier(of: previousKey)] = SymmetricKey(data: previousKey) }
        self.previous = previous
        self.lookupKey = lookupKey.map { SymmetricKey(data: $0) }
            ?? HKDF<SHA256>.deriveKey(inputKeyMaterial: self.key, info: Data("lantoa personal data lookup".utf8), outputByteCount: 32)
    }

    static func identifier(of key: Data) -> String {
        SHA256.hash(data: key).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// Seals `text` for the resident `owner`.
    func seal(_ text: String, for owner: UUID) throws -> String {
        let box = try AES.GCM.seal(Data(text.utf8), using: key, authenticating: Self.associatedData(owner))
        return "v2:" + keyID + ":" + box.combined!.base64EncodedString()
    }

    /// Opens a value sealed for the resident `owner`.
    func open(_ sealed: String, for owner: UUID) throws -> String {
        var rest = Substring(sealed)
        let bound = rest.hasPrefix("v2:")
        if bound { rest = rest.dropFirst(3) }
        guard let colon = rest.firstIndex(of: ":"), let data = Data(base64Encoded: String(rest[rest.index(after: colon)...])) else {
            throw Failure.malformed
        }
        let id = String(rest[..<colon])
        guard let usedKey = id == keyID ? key : previous[id] else { throw Failure.unknownKey(id) }
        let box = try AES.GCM.SealedBox(combined: data)
        let plain = bound ? try AES.GCM.open(box, using: usedKey, authenticating: Self.associatedData(owner)) : try AES.GCM.open(box, using: usedKey)
        return String(decoding: plain, as: UTF8.self)
    }

    private static func associatedData(_ owner: UUID) -> Data {
        Data(("resident:" + owner.uuidString.lowercased()).utf8)
    }

    /// Whether a sealed value was sealed with the current key in the current form.
    func isCurrent(_ sealed: String) -> Bool { sealed.hasPrefix("v2:" + keyID + ":") }

    /// The key a phone encrypts its offline queue with for `account`: the same at every sign-in of that account (so a
    /// queue outlives an expired session), never stored by the server, derived from the long-lived look-up key.
    func phoneQueueKey(for account: UUID) -> Data {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: lookupKey, info: Data("lantoa phone queue \(account.uuidString.lowercased())".utf8),
                                         outputByteCount: 32)
        return key.withUnsafeBytes { Data($0) }
    }

    func lookupHash(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: lookupKey).map { String(format: "%02x", $0) }.joined()
    }
}
