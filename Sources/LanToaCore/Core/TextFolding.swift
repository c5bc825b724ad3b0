import Foundation

/// Folds Vietnamese text for search: diacritics and tone marks removed wherever they sit,
/// `đ` read as `d`, lower-cased, runs of white space made one space.
///
/// "Lạng Sơn" and "lang   son" fold alike, and so do "Hòa" and "Hoà" (old and new tone placement).
public enum TextFolding {
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            default:
                break
            }
            if scalar.properties.isWhitespace {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
                continue
            }
            lastWasSpace = false
            switch scalar {
            case "đ", "Đ": out.append("d")
            default:
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { out.append(lower) }
            }
        }
        var result = String(out)
        if result.hasSuffix(" ") { result.removeLast() }
        return result
    }

    /// Whether `text` contains `query`, both folded.
    public static func matches(_ text: String, query: String) -> Bool {
        fold(text).contains(fold(query))
    }
}
