import Foundation

/// Numbers as Vietnamese officials write them: `1.234.567`.
public enum NumberFormatting {
    public static func grouped(_ value: Int, separator: Character = ".") -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(separator) }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// A number as officials type it in a form: `1.000` or `1 000` for a thousand, `12,5` (or `12.5`) for twelve and a half.
    /// The one reading of typed numbers, for every form that takes one.
    public static func parse(_ text: String) -> Double? {
        var t = String(text.filter { !$0.isWhitespace })
        if t.contains(",") {
            t = t.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
        } else if t.contains("."), t.components(separatedBy: ".").dropFirst().allSatisfy({ $0.count == 3 }) {
            t = t.replacingOccurrences(of: ".", with: "")
        }
        return Double(t).flatMap { $0.isFinite ? $0 : nil }
    }

    /// A whole number typed in a form (`1.000` is a thousand), or nil when the text is not one.
    public static func parseWhole(_ text: String) -> Int? {
        guard let value = parse(text), value == value.rounded(), abs(value) < 1e15 else { return nil }
        return Int(value)
    }
}
