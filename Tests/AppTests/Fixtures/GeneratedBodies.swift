import Foundation

/// A small, seeded generator (SplitMix64), so that a failing case is found again from its seed and index.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Request bodies a hostile or broken client could send: JSON of the API's own field names with wrong, huge, empty or
/// odd values, nesting, and bytes that are not JSON or not UTF-8 at all.
struct GeneratedBodies {
    var rng: SeededGenerator
    /// Real ids and codes, so that some bodies get past look-ups into the rules behind them.
    let known: [String]

    static let fields = [
        "id", "unit", "hamlet", "household", "resident", "fullName", "name", "phone", "cccd", "birthYear", "gender", "role",
        "affiliations", "decisionNumber", "decisionDate", "decisionSigner", "date", "reason", "start", "end", "period", "value",
        "indicator", "residents", "activities", "households", "supersedes", "anonymousCount", "on", "outcome", "service", "channel",
        "login", "password", "currentPassword", "newPassword", "into", "method", "values", "owner", "targets", "units", "code",
        "kind", "pillar", "province", "parentCode", "formerCommune", "minimumMembers", "maximumMembers", "consentOn", "address",
        "headName", "hasSmartphone", "scope", "displayName", "frozen", "note", "items",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func string() -> String {
        switch int(0...11) {
        case 0: return ""
        case 1: return String(repeating: "Ạ", count: int(1...20_000))
        case 2: return known.randomElement(using: &rng) ?? "x"
        case 3: return UUID().uuidString
        case 4: return ["2026-02-30", "31/12/2021", "2022-01-01", "9999-12-31", "0000-00-00", "2026-13-01", "2026-W01"].randomElement(using: &rng)!
        case 5: return ["0987654321", "+84 912 345 678", "001185067891", "000000000000", "1e400", "-1", "NaN"].randomElement(using: &rng)!
        case 6: return "\u{0000}\u{0007}\u{202E}\u{FEFF}=cmd|' /C calc'!A0"
        case 7: return "'; DROP TABLE residents; --"
        case 8: return "<script>alert(1)</script>"
        case 9: return ["done", "guided", "refused", "leader", "member", "admin", "even", "population", "vneid_level2", "female"].randomElement(using: &rng)!
        case 10: return String((0..<int(1...40)).map { _ in Character(UnicodeScalar(UInt8(int(32...126)))) })
        default: return "Nguyễn Thị Ánh \(int(0...999))"
        }
    }

    mutating func value(depth: Int) -> Any {
        switch depth > 3 ? int(0...6) : int(0...9) {
        case 0: return NSNull()
        case 1: return Bool.random(using: &rng)
        case 2: return [0, -1, 1, Int.max, Int.min, 2_147_483_648, 1990, 20_000].randomElement(using: &rng)!
        case 3: return [0.5, -0.0, 1e308, -1e308, 3.14].randomElement(using: &rng)!
        case 4, 5, 6: return string()
        case 7: return (0..<int(0...4)).map { _ in value(depth: depth + 1) }
        default: return object(depth: depth + 1)
        }
    }

    mutating func object(depth: Int) -> [String: Any] {
        var o: [String: Any] = [:]
        for _ in 0..<int(0...8) { o[Self.fields.randomElement(using: &rng)!] = value(depth: depth) }
        return o
    }

    /// The next body: mostly JSON objects, sometimes arrays, scalars, deep nesting or bytes that are not JSON.
    mutating func next() -> Data {
        switch int(0...19) {
        case 0: return Data(String(repeating: "[", count: int(100...50_000)).utf8)
        case 1: return Data([0xFF, 0xFE, 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])
        case 2: return Data("{\"fullName\": \"\u{1}".utf8)
        case 3: return Data("null".utf8)
        case 4: return (try? JSONSerialization.data(withJSONObject: [value(depth: 0)])) ?? Data()
        case 5:
            var nested: Any = ["x": 1]
            for _ in 0..<int(50...2_000) { nested = ["activities": [nested]] }
            return (try? JSONSerialization.data(withJSONObject: nested)) ?? Data()
        default:
            var o = object(depth: 0)
            // Batches: lists of items with the item fields.
            if int(0...2) == 0 {
                for key in ["residents", "activities", "households"] where Bool.random(using: &rng) {
                    o[key] = (0..<int(0...30)).map { _ in object(depth: 2) }
                }
            }
            return (try? JSONSerialization.data(withJSONObject: o)) ?? Data("{}".utf8)
        }
    }
}
