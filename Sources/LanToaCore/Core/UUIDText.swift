import Foundation

/// UUIDs to and from their 36-character text, without the C library's `sscanf` and `sprintf` that Foundation uses
/// here (about 2 µs each): a ranking of all communes parses and prints thousands of them.
public enum UUIDText {
    /// The UUID written in `text` (either case), or nil.
    @inlinable
    public static func parse(_ text: some StringProtocol) -> UUID? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable({ parse(utf8: $0) }) { return parsed }
        var copy = String(text)
        return copy.withUTF8 { parse(utf8: $0) }
    }

    /// The UUID written in these UTF-8 bytes (either case), or nil.
    public static func parse(utf8 text: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard text.count == 36, text[8] == UInt8(ascii: "-"), text[13] == UInt8(ascii: "-"), text[18] == UInt8(ascii: "-"),
              text[23] == UInt8(ascii: "-") else { return nil }
        // The value of each hex digit (either case), 0xFF for any other byte; a bad digit shows in the OR of all.
        var high: UInt64 = 0, low: UInt64 = 0, bad: UInt8 = 0
        for position in digitPositions.0 {
            let nibble = hexValue[Int(text[position])]
            bad |= nibble
            high = high << 4 | UInt64(nibble & 0x0F)
        }
        for position in digitPositions.1 {
            let nibble = hexValue[Int(text[position])]
            bad |= nibble
            low = low << 4 | UInt64(nibble & 0x0F)
        }
        guard bad & 0xF0 == 0 else { return nil }
        func byte(_ word: UInt64, _ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (56 - 8 * i)) }
        return UUID(uuid: (byte(high, 0), byte(high, 1), byte(high, 2), byte(high, 3), byte(high, 4), byte(high, 5), byte(high, 6),
                           byte(high, 7), byte(low, 0), byte(low, 1), byte(low, 2), byte(low, 3), byte(low, 4), byte(low, 5),
                           byte(low, 6), byte(low, 7)))
    }

    /// The positions of the 32 hex digits in the 36 characters: the first 16, then the last 16.
    private static let digitPositions: ([Int], [Int]) = {
        let all = (0..<36).filter { ![8, 13, 18, 23].contains($0) }
        return (Array(all.prefix(16)), Array(all.suffix(16)))
    }()

    private static let hexValue: [UInt8] = (0..<256).map { c -> UInt8 in
        switch c {
        case 48...57: UInt8(c - 48)
        case 97...102: UInt8(c - 97 + 10)
        case 65...70: UInt8(c - 65 + 10)
        default: 0xFF
        }
    }

    /// The upper-case text of `id`, as `UUID.uuidString` writes it.
    public static func upper(_ id: UUID) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return withUnsafeBytes(of: id.uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (i, byte) in raw.enumerated() {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                    out[o] = digits[Int(byte >> 4)]
                    out[o + 1] = digits[Int(byte & 0x0F)]
                    o += 2
                }
                return o
            }
        }
    }
}
