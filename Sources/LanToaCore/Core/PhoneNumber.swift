/// A Vietnamese mobile number, normalised to ten digits starting with `0` (`0912345678`).
///
/// Accepts what people type: spaces, dots and dashes between digits, and the `+84` or `84` country prefix.
/// Only the mobile ranges in use since the 2018 renumbering are accepted (03x, 05x, 07x, 08x, 09x).
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    public let digits: String

    public enum Problem: Error, Equatable, Sendable {
        case empty
        case notDigits
        case wrongLength
        case notMobile
    }

    public init(parsing raw: String) throws(Problem) {
        var text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw .empty }
        text.removeAll { $0 == " " || $0 == "." || $0 == "-" || $0 == "(" || $0 == ")" || $0 == "\u{00A0}" }
        if text.hasPrefix("+84") {
            text = "0" + text.dropFirst(3)
        } else if text.hasPrefix("84"), text.count == 11 {
            text = "0" + text.dropFirst(2)
        } else if !text.hasPrefix("0"), text.count == 9 {
            // Spreadsheets drop the leading zero of a number typed as a number.
            text = "0" + text
        }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .notDigits }
        guard text.count == 10 else { throw .wrongLength }
        let prefix = text.dropFirst().prefix(2)
        guard Self.mobilePrefixes.contains(String(prefix)) else { throw .notMobile }
        digits = text
    }

    public var description: String { digits }

    /// Shown in lists: `0912 345 678`.
    public var formatted: String {
        let d = Array(digits)
        return String(d[0..<4]) + " " + String(d[4..<7]) + " " + String(d[7..<10])
    }

    static let mobilePrefixes: Set<String> = {
        var set = Set<String>()
        for d in 2...9 { set.insert("3\(d)") }
        for d in [2, 5, 6, 8, 9] { set.insert("5\(d)") }
        for d in [0, 6, 7, 8, 9] { set.insert("7\(d)") }
        for d in 1...9 { set.insert("8\(d)") }
        for d in 0...9 { set.insert("9\(d)") }
        return set
    }()
}

extension String {
    /// The string without leading and trailing white space (including non-breaking spaces from spreadsheets).
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
