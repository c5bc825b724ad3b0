import Foundation

/// CSV for Excel: UTF-8 with a byte-order mark (so that Excel reads Vietnamese diacritics), CRLF line ends, fields
/// quoted when they hold a separator, a quote or a line break, and cells that a spreadsheet would run as a formula
/// neutralised as in `XLSXWriter`.
public enum CSVWriter {
    public static func document(_ rows: [[String]]) -> Data {
        var out = "\u{FEFF}"
        for row in rows {
            out += row.map(field).joined(separator: ",") + "\r\n"
        }
        return Data(out.utf8)
    }

    static func field(_ raw: String) -> String {
        let cell = XLSXWriter.neutralised(raw)
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
