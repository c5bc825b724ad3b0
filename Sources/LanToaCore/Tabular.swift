import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// A sheet of text cells read from what officials upload: `.xlsx` or `.csv` (UTF-8, with or without BOM,
/// separated by commas or semicolons).
public struct Table: Sendable, Equatable {
    /// Rows in file order; the first is the header row. Trailing empty rows are dropped.
    public var rows: [[String]]

    public init(rows: [[String]]) {
        self.rows = rows
    }

    public enum ReadError: Error, Equatable, Sendable {
        case notUTF8
        case notASpreadsheet(String)
        case empty
    }

    public enum Format: String, Sendable {
        case csv
        case xlsx
    }

    /// Reads a file by its content: a ZIP signature means `.xlsx`, anything else is read as CSV.
    public static func read(_ data: Data) throws(ReadError) -> Table {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return try readXLSX(data)
        }
        return try readCSV(data)
    }

    public static func readCSV(_ data: Data) throws(ReadError) -> Table {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else { throw .notUTF8 }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let delimiter: Character = firstLine.filter({ $0 == ";" }).count > firstLine.filter({ $0 == "," }).count ? ";" : ","
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
            case delimiter:
                row.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            default:
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return try finish(rows)
    }

    public static func readXLSX(_ data: Data) throws(ReadError) -> Table {
        do {
            let archive = try Archive(data: data, accessMode: .read)
            func entryData(_ path: String) throws -> Data? {
                guard let entry = archive[path] else { return nil }
                var out = Data()
                _ = try archive.extract(entry) { out.append($0) }
                return out
            }
            var shared: [String] = []
            if let sharedData = try entryData("xl/sharedStrings.xml") {
                shared = SharedStringsParser.parse(sharedData)
            }
            let sheetPath = try firstSheetPath(archive: archive, entryData: entryData)
            guard let sheetData = try entryData(sheetPath) else {
                throw ReadError.notASpreadsheet("no worksheet")
            }
            return try finish(SheetParser.parse(sheetData, shared: shared))
        } catch let error as ReadError {
            throw error
        } catch {
            throw .notASpreadsheet(String(describing: error))
        }
    }

    private static func firstSheetPath(archive: Archive, entryData: (String) throws -> Data?) throws -> String {
        if archive["xl/worksheets/sheet1.xml"] != nil { return "xl/worksheets/sheet1.xml" }
        let sheets = archive.map(\.path).filter { $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml") }.sorted()
        guard let first = sheets.first else { throw ReadError.notASpreadsheet("no worksheet") }
        return first
    }

    private static func finish(_ raw: [[String]]) throws(ReadError) -> Table {
        var rows = raw.map { $0.map { $0.trimmingWhitespace() } }
        while let last = rows.last, last.allSatisfy(\.isEmpty) { rows.removeLast() }
        guard !rows.isEmpty else { throw .empty }
        return Table(rows: rows)
    }

    /// The zero-based column index of a cell reference's letters (`C7` → 2).
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var sawLetter = false
        for byte in reference.utf8 {
            let upper: UInt8
            switch byte {
            case 65...90: upper = byte
            case 97...122: upper = byte - 32
            default:
                return sawLetter ? index - 1 : nil
            }
            index = index * 26 + Int(upper - 64)
            sawLetter = true
        }
        return sawLetter ? index - 1 : nil
    }
}

private final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inItem = false
    var inText = false
    var inPhonetic = false

    static func parse(_ data: Data) -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "si": inItem = true; current = ""
        case "rPh": inPhonetic = true
        case "t": inText = inItem && !inPhonetic
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si": strings.append(current); inItem = false
        case "rPh": inPhonetic = false
        case "t": inText = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}

private final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [[String]] = []
    var row: [String] = []
    var rowNumber = 0
    var cellColumn = 0
    var cellType = ""
    var value = ""
    var capturing = false

    init(shared: [String]) {
        self.shared = shared
    }

    static func parse(_ data: Data, shared: [String]) -> [[String]] {
        let delegate = SheetParser(shared: shared)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.rows
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "row":
            let number = attributes["r"].flatMap(Int.init) ?? (rowNumber + 1)
            // Keep empty rows so that row numbers in error messages match the spreadsheet.
            while rows.count < number - 1 { rows.append([]) }
            rowNumber = number
            row = []
        case "c":
            cellColumn = attributes["r"].flatMap(Table.columnIndex) ?? row.count
            cellType = attributes["t"] ?? ""
            value = ""
        case "v", "t":
            capturing = true
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t":
            capturing = false
        case "c":
            var text = value
            if cellType == "s", let i = Int(value), shared.indices.contains(i) { text = shared[i] }
            if cellType == "b" { text = value == "1" ? "TRUE" : "FALSE" }
            while row.count < cellColumn { row.append("") }
            if row.count == cellColumn { row.append(text) } else if cellColumn < row.count { row[cellColumn] = text }
        case "row":
            rows.append(row)
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capturing { value += string }
    }
}
