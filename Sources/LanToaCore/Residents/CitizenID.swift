/// A citizen identity number (số định danh cá nhân, on the CCCD card): 12 digits. The first three are the
/// province of birth registration in the list of 63 provinces (before 1 July 2025); the fourth gives century and
/// gender; the fifth and sixth the last two digits of the birth year.
///
/// Personal data under Decree 13/2023/NĐ-CP and Law 91/2025/QH15: never logged, never shown whole
/// (`masked`), stored encrypted by the app.
public struct CitizenID: Hashable, Sendable {
    public let digits: String

    public enum Problem: Error, Equatable, Sendable {
        case notTwelveDigits
        case unknownProvince
        case genderMismatch
        case birthYearMismatch
    }

    /// The province codes of the 63-province list, as they open a CCCD number.
    public static let provinceCodes: Set<String> = Set([
        "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25", "26", "27", "30", "31",
        "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49", "51", "52", "54", "56", "58", "60", "62",
        "64", "66", "67", "68", "70", "72", "74", "75", "77", "79", "80", "82", "83", "84", "86", "87", "89", "91", "92", "93",
        "94", "95", "96",
    ].map { "0" + $0 })

    /// Validates the number; when `gender` and `birthYear` are known they must agree with it.
    public init(parsing raw: String, gender: Gender? = nil, birthYear: Int? = nil) throws(Problem) {
        let text = String(raw.filter { !$0.isWhitespace && $0 != "." && $0 != "-" })
        guard text.count == 12, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .notTwelveDigits }
        guard Self.provinceCodes.contains(String(text.prefix(3))) else { throw .unknownProvince }
        let d = Array(text)
        let centuryDigit = Int(String(d[3]))!
        // 0/1: 1900s, 2/3: 2000s, 4/5: 2100s, 6/7: 2200s, 8/9: 1800s; even male, odd female.
        let century = [1900, 2000, 2100, 2200, 1800][centuryDigit / 2]
        let female = centuryDigit % 2 == 1
        if let gender, gender != .other, (gender == .female) != female { throw .genderMismatch }
        if let birthYear {
            let year = century + Int(String(d[4...5]))!
            guard year == birthYear else { throw .birthYearMismatch }
        }
        digits = text
    }

    /// `001*******45`: the province and the last two digits, as shown in every view.
    public var masked: String {
        String(digits.prefix(3)) + String(repeating: "*", count: 7) + String(digits.suffix(2))
    }
}
