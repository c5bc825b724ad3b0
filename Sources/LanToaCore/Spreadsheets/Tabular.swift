import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A sheet of text cells read from what officials upload: `.xlsx` or `.csv` (UTF-8, with or without BOM,
/// separated by commas or semicolons).
///
/// Uploads come from any account, so reading is bounded: the bytes inflated from a workbook, the data rows and the
/// columns kept are capped by `Limits`, cell references are read with checked arithmetic within Excel's own bounds,
/// and a document type declaration (which no workbook carries) is refused before any XML is parsed.
public struct Table: Sendable, Equatable {
    /// Rows in file order; the first is the header row. Trailing empty rows are dropped.
    public var rows: [[String]]

    public init(rows: [[String]]) {
        self.rows = rows
    }

    /// How much one upload may hold.
    public struct Limits: Sendable, Equatable {
        /// Rows after the header row.
        public var dataRows: Int
        /// Columns whose cells are kept; a filled cell further right is refused.
        public var columns: Int
        /// Bytes inflated from all the parts of a workbook read together.
        public var inflatedBytes: Int

        public init(dataRows: Int, columns: Int, inflatedBytes: Int) {
            self.dataRows = dataRows
            self.columns = columns
            self.inflatedBytes = inflatedBytes
        }

        /// What one import accepts: 20,000 data rows (a large commune's residents go hamlet by hamlet), 256 columns,
        /// 64 MiB of inflated XML.
        public static let imports = Limits(dataRows: 20_000, columns: 256, inflatedBytes: 64 << 20)
    }

    /// Excel's own bounds: a cell reference beyond them is not a spreadsheet's.
    public static let excelRows = 1_048_576
    public static let excelColumns = 16_384

    public enum ReadError: Error, Equatable, Sendable {
        case notUTF8
        case notASpreadsheet(String)
        case empty
        /// More data rows than `Limits.dataRows` (the limit).
        case tooManyRows(limit: Int)
        /// A filled cell right of `Limits.columns` (the limit).
        case tooManyColumns(limit: Int)
        /// The workbook inflates to more than `Limits.inflatedBytes` (the limit).
        case tooLarge(limit: Int)
    }

    public enum Format: String, Sendable {
        case csv
        case xlsx
    }

    /// Reads a file by its content: a ZIP signature means `.xlsx`, anything else is read as CSV.
    public static func read(_ data: Data, limits: Limits = .imports) throws(ReadError) -> Table {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return try readXLSX(data, limits: limits)
        }
        return try readCSV(data, limits: limits)
    }

    public static func readCSV(_ data: Data, limits: Limits = .imports) throws(ReadError) -> Table {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else { throw .notUTF8 }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let delimiter: Character = firstLine.filter({ $0 == ";" }).count > firstLine.filter({ $0 == "," }).count ? ";" : ","
        var sheet = SheetBuilder(limits: limits)
        var line = 1
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        func endField() throws(ReadError) {
            try sheet.put(field, column: row.count, in: &row)
            field = ""
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
                try endField()
            case "\n", "\r\n", "\r":
                try endField()
                try sheet.append(row, number: line)
                line += 1
                row = []
            default:
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            try endField()
            try sheet.append(row, number: line)
        }
        return try finish(sheet.rows)
    }

    public static func readXLSX(_ data: Data, limits: Limits = .imports) throws(ReadError) -> Table {
        do {
            let archive = try ZIPReader(data)
            var budget = limits.inflatedBytes
            func entryData(_ path: String) throws -> Data? {
                guard let entry = archive[path] else { return nil }
                // The declared size is checked first, the bytes actually inflated while they come: a zip bomb stops
                // at the budget whatever its header says.
                let out = try archive.extract(entry, budget: &budget)
                guard !containsDocumentType(out) else { throw ReadError.notASpreadsheet("document type declaration") }
                // The XML parser traps on names that are not UTF-8: such a part is no workbook's.
                guard String(validating: out, as: UTF8.self) != nil else { throw ReadError.notASpreadsheet("not UTF-8") }
                // It also crashes on a processing instruction without data; workbooks have none but the declaration.
                guard !containsProcessingInstruction(out) else { throw ReadError.notASpreadsheet("processing instruction") }
                return out
            }
            var shared: [String] = []
            if let sharedData = try entryData("xl/sharedStrings.xml") {
                shared = try SharedStringsParser.parse(sharedData)
            }
            let sheetPath = try firstSheetPath(archive: archive)
            guard let sheetData = try entryData(sheetPath) else {
                throw ReadError.notASpreadsheet("no worksheet")
            }
            return try finish(SheetParser.parse(sheetData, shared: shared, limits: limits))
        } catch let error as ReadError {
            throw error
        } catch ZIPReader.Failure.tooLarge {
            throw .tooLarge(limit: limits.inflatedBytes)
        } catch let ZIPReader.Failure.malformed(what) {
            throw .notASpreadsheet(what)
        } catch let ZIPReader.Failure.unsupported(what) {
            throw .notASpreadsheet(what)
        } catch {
            throw .notASpreadsheet(String(describing: type(of: error)))
        }
    }

    private static func firstSheetPath(archive: ZIPReader) throws -> String {
        if archive["xl/worksheets/sheet1.xml"] != nil { return "xl/worksheets/sheet1.xml" }
        let sheets = archive.entries.map(\.path).filter { $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml") }.sorted()
        guard let first = sheets.first else { throw ReadError.notASpreadsheet("no worksheet") }
        return first
    }

    /// A cell as typed before `XLSXWriter.neutralised` protected it from being read as a formula.
    static func restored(_ cell: String) -> String {
        guard cell.hasPrefix("'"), let second = cell.dropFirst().first, XLSXWriter.formulaStarts.contains(second) else { return cell }
        return String(cell.dropFirst())
    }

    /// Whether XML holds a processing instruction other than a leading declaration `<?xml version=… ?>`.
    static func containsProcessingInstruction(_ xml: Data) -> Bool {
        var body = xml[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.starts(with: Data("<?xml ".utf8)), let end = body.range(of: Data("?>".utf8)) {
            guard body[body.startIndex..<end.lowerBound].range(of: Data("version".utf8)) != nil else { return true }
            body = body[end.upperBound...]
        }
        return body.range(of: Data("<?".utf8)) != nil
    }

    /// Whether XML declares a document type, the door to entity expansion; workbooks never do.
    static func containsDocumentType(_ xml: Data) -> Bool {
        xml.range(of: Data("<!DOCTYPE".utf8)) != nil || xml.range(of: Data("<!ENTITY".utf8)) != nil
    }

    private static func finish(_ raw: [[String]]) throws(ReadError) -> Table {
        var rows = raw.map { $0.map { restored($0.trimmingWhitespace()) } }
        while let last = rows.last, last.allSatisfy(\.isEmpty) { rows.removeLast() }
        guard !rows.isEmpty else { throw .empty }
        return Table(rows: rows)
    }

    /// The zero-based column index of a cell reference's letters (`C7` → 2), nil beyond Excel's last column (`XFD`)
    /// or without letters.
    public static func columnIndex(_ reference: String) -> Int? {
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
            // At most three letters reach XFD; checking before each step keeps the arithmetic far from overflow.
            index = index * 26 + Int(upper - 64)
            guard index <= excelColumns else { return nil }
            sawLetter = true
        }
        return sawLetter ? index - 1 : nil
    }

    /// A row number as written in `<row r="…">`, nil unless within Excel's rows.
    public static func rowNumber(_ text: String) -> Int? {
        guard text.utf8.count <= 7, let n = Int(text), (1...excelRows).contains(n) else { return nil }
        return n
    }
}

/// Collects rows within the limits: empty rows are only materialised when a filled row follows them, so that row
/// numbers in error messages match the spreadsheet and a lone row far below costs nothing before it is refused.
struct SheetBuilder {
    let limits: Table.Limits
    private(set) var rows: [[String]] = []

    init(limits: Table.Limits) {
        self.limits = limits
    }

    /// Puts a cell's text into `row` at `column`; empty cells right of the limit are dropped, filled ones refused.
    func put(_ text: String, column: Int, in row: inout [String]) throws(Table.ReadError) {
        guard column < limits.columns else {
            if text.contains(where: { !$0.isWhitespace }) { throw .tooManyColumns(limit: limits.columns) }
            return
        }
        while row.count < column { row.append("") }
        if row.count == column { row.append(text) } else { row[column] = text }
    }

    /// Appends a row as row `number` (one-based).
    mutating func append(_ row: [String], number: Int) throws(Table.ReadError) {
        guard row.contains(where: { $0.contains { !$0.isWhitespace } }) else { return }
        // The header is row 1 at the earliest: a filled row past the header and `dataRows` more is refused.
        guard number <= limits.dataRows + 1 else { throw .tooManyRows(limit: limits.dataRows) }
        while rows.count < number - 1 { rows.append([]) }
        if rows.count == number - 1 { rows.append(row) } else { rows[number - 1] = row }
    }
}

private final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inItem = false
    var inText = false
    var inPhonetic = false

    static func parse(_ data: Data) throws(Table.ReadError) -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { throw .notASpreadsheet("shared strings are not XML") }
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
    var sheet: SheetBuilder
    var row: [String] = []
    var rowNumber = 0
    var cellColumn = 0
    var cellType = ""
    var value = ""
    var capturing = false
    var failure: Table.ReadError?

    init(shared: [String], limits: Table.Limits) {
        self.shared = shared
        self.sheet = SheetBuilder(limits: limits)
    }

    static func parse(_ data: Data, shared: [String], limits: Table.Limits) throws(Table.ReadError) -> [[String]] {
        let delegate = SheetParser(shared: shared, limits: limits)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        if let failure = delegate.failure { throw failure }
        guard parsed else { throw .notASpreadsheet("worksheet is not XML") }
        return delegate.sheet.rows
    }

    private func fail(_ error: Table.ReadError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard failure == nil else { return }
        switch name {
        case "row":
            if let text = attributes["r"] {
                guard let number = Table.rowNumber(text) else { return fail(.notASpreadsheet("row number \(text.prefix(20))"), parser) }
                rowNumber = number
            } else {
                guard rowNumber < Table.excelRows else { return fail(.notASpreadsheet("more rows than Excel holds"), parser) }
                rowNumber += 1
            }
            row = []
        case "c":
            if let reference = attributes["r"] {
                guard let column = Table.columnIndex(reference) else {
                    return fail(.notASpreadsheet("cell reference \(reference.prefix(20))"), parser)
                }
                cellColumn = column
            } else {
                cellColumn = row.count
            }
            cellType = attributes["t"] ?? ""
            value = ""
        case "v", "t":
            capturing = true
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        do throws(Table.ReadError) {
            switch name {
            case "v", "t":
                capturing = false
            case "c":
                var text = value
                if cellType == "s", let i = Int(value), shared.indices.contains(i) { text = shared[i] }
                if cellType == "b" { text = value == "1" ? "TRUE" : "FALSE" }
                try sheet.put(text, column: cellColumn, in: &row)
            case "row":
                try sheet.append(row, number: rowNumber)
            default:
                break
            }
        } catch {
            fail(error, parser)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capturing { value += string }
    }
}

/// A column of an import sheet, found by its title or one of its aliases, with or without diacritics.
protocol SheetColumn: CaseIterable, Hashable {
    var header: String { get }
    var aliases: [String] { get }
}

extension Table {
    /// Where each column stands in the header row: the first cell whose title (folded) is the column's or an alias's.
    static func columns<C: SheetColumn>(of header: [String], as _: C.Type) -> [C: Int] {
        var index: [C: Int] = [:]
        for (i, title) in header.enumerated() {
            let folded = TextFolding.fold(title)
            guard !folded.isEmpty else { continue }
            if let c = C.allCases.first(where: { TextFolding.fold($0.header) == folded || $0.aliases.contains { TextFolding.fold($0) == folded } }),
               index[c] == nil {
                index[c] = i
            }
        }
        return index
    }

    /// The data rows that are not empty, each with its row number (the header is row 1) and a reader of a column's
    /// trimmed cell ("" when the column is absent or the row short).
    func dataRows<C: SheetColumn>(_ index: [C: Int]) -> [(number: Int, cell: (C) -> String)] {
        rows.enumerated().dropFirst().compactMap { offset, cells in
            if cells.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { return nil }
            return (offset + 1, { c in
                guard let i = index[c], cells.indices.contains(i) else { return "" }
                return cells[i].trimmingWhitespace()
            })
        }
    }
}
