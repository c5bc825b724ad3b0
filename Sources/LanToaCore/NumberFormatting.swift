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
}
