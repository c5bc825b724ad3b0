// libFuzzer entry point for the pure parsers of LanToaCore.
//
// Compiled by Tools/fuzz.sh in one module together with Sources/LanToaCore/*.swift (so LanToaCore is not
// imported), linked against ZIPFoundation. The first input byte chooses a target (`byte % Target.count`), the
// rest is that target's input. Thrown errors and nil results are expected; only crashes, traps, sanitizer
// reports, timeouts and the few round-trip `precondition`s below (each one a documented promise of the API) are
// failures.
import Foundation
import ZIPFoundation

/// The targets, by selector byte. Seeds in Fuzz/Parsers/corpus start with these values.
enum Target: UInt8, CaseIterable {
    case read = 0              // Table.read: XLSX or CSV by content
    case readCSV = 1           // Table.readCSV
    case readXLSX = 2          // Table.readXLSX
    case wrappedSheet = 3      // the input as a workbook's worksheet XML (and, after a NUL byte, its shared strings)
    case teamImport = 4        // CSV → TeamImport.plan
    case residentImport = 5    // CSV → ResidentImport.check
    case citizenID = 6         // CitizenID(parsing:gender:birthYear:)
    case phone = 7             // PhoneNumber(parsing:)
    case localDate = 8         // LocalDate(String)
    case parseDate = 9         // TeamImport.parseDate, TeamImport.normaliseName
    case folding = 10          // TextFolding.fold and the label readers built on it
    case reportPeriod = 11     // ReportPeriod(String) and what is derived from a parsed period
    case uuid = 12             // UUIDText.parse
}

/// A fixed "today", so that runs are reproducible.
let today = LocalDate(year: 2026, month: 6, day: 15)!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let target = Target(rawValue: data[0] % UInt8(Target.allCases.count))!
    run(target, fuzzInput(data + 1, size - 1))
    return 0
}

/// The fuzz input as `Data`, copied in a function of its own so that LeakSanitizer can tell these bytes apart:
/// Tools/fuzz.sh suppresses their leak through ZIPFoundation's unclosed memory archive (and only that leak).
/// Not optimised, so that its frame stays on the allocation's stack (no inlining, no tail call).
@inline(never) @_optimize(none)
func fuzzInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> Data {
    Data(UnsafeBufferPointer(start: start, count: count))
}

func run(_ target: Target, _ input: Data) {
    switch target {
    case .read:
        exercise(try? Table.read(input))
    case .readCSV:
        exercise(try? Table.readCSV(input))
    case .readXLSX:
        exercise(try? Table.readXLSX(input))
    case .wrappedSheet:
        // Everything before the first NUL byte is the worksheet; what follows it, if any, is xl/sharedStrings.xml.
        let sheet: Data
        var shared: Data? = nil
        if let nul = input.firstIndex(of: 0) {
            sheet = input[input.startIndex..<nul]
            shared = input[input.index(after: nul)...]
        } else {
            sheet = input
        }
        guard let workbook = workbook(sheet: sheet, shared: shared) else { return }
        exercise(try? Table.read(workbook))
    case .teamImport:
        guard let table = try? Table.readCSV(input) else { return }
        _ = TeamImport.plan(table, today: today)
    case .residentImport:
        guard let table = try? Table.readCSV(input) else { return }
        _ = ResidentImport.check(table, today: today)
    case .citizenID:
        let text = string(input)
        for gender in [nil, Gender.male, .female, .other] {
            for birthYear in [nil, 1990, 2005, 0, Int.min, Int.max] as [Int?] {
                if let id = try? CitizenID(parsing: text, gender: gender, birthYear: birthYear) {
                    _ = id.masked
                    precondition(id.digits.utf8.count == 12)
                }
            }
        }
    case .phone:
        if let phone = try? PhoneNumber(parsing: string(input)) {
            _ = phone.formatted
            precondition((try? PhoneNumber(parsing: phone.digits)) == phone)
        }
    case .localDate:
        if let date = LocalDate(string(input)) {
            precondition(LocalDate(date.iso) == date, "iso round trip")
            precondition(LocalDate(date.vietnamese) == date, "vietnamese round trip")
            _ = date.previousDay
            _ = date.nextDay
            _ = date.endOfMonth
            _ = date.adding(days: 400)
            _ = date.adding(days: -400)
            _ = date.days(to: today)
            _ = RollupPeriods.keys(for: date)
            _ = RollupPeriods.upTo(date)
        }
    case .parseDate:
        let text = string(input)
        if let date = TeamImport.parseDate(text) {
            _ = date.vietnamese
            _ = date.iso
        }
        _ = TeamImport.normaliseName(text)
    case .folding:
        let text = string(input)
        _ = TextFolding.fold(text)
        _ = TextFolding.matches(text, query: String(text.prefix(8)))
        _ = Gender(text: text)
        _ = TeamRole(text: text)
        _ = Affiliation.parseList(text)
        _ = UnitKind.hamletKind(fromName: text)
        _ = HamletCode.number(in: text)
        _ = text.trimmingWhitespace()
    case .reportPeriod:
        if let period = ReportPeriod(string(input)) {
            precondition(ReportPeriod(period.description) == period, "description round trip")
            _ = period.dayCount
            _ = period.trendPoints
            _ = period.previous
            _ = RollupPeriods.cover(from: period.start, to: period.end)
            _ = RollupPeriods.coverRanges(from: period.start, to: period.end)
            _ = RollupPeriods.upTo(period.end)
        }
    case .uuid:
        let text = string(input)
        if let id = UUIDText.parse(text) {
            precondition(UUIDText.upper(id) == text.uppercased(), "uuid round trip")
        }
    }
}

/// Bytes as text the way a form field would see them: UTF-8 with invalid sequences repaired.
func string(_ data: Data) -> String {
    String(decoding: data, as: UTF8.self)
}

/// Does with a table what the importers do with it: folds every cell, then checks it as both import kinds.
func exercise(_ table: Table?) {
    guard let table else { return }
    for row in table.rows {
        for cell in row { _ = TextFolding.fold(cell) }
    }
    _ = TeamImport.plan(table, today: today)
    _ = ResidentImport.check(table, today: today)
}

/// A workbook holding `sheet` as xl/worksheets/sheet1.xml (and `shared` as xl/sharedStrings.xml), deflated as
/// `XLSXWriter` writes them, so that the XML parsers of `Table.readXLSX` see the fuzzed bytes.
func workbook(sheet: Data, shared: Data?) -> Data? {
    do {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: data.startIndex + Int(position)..<data.startIndex + Int(position) + size)
            }
        }
        try add("[Content_Types].xml", Data(#"<?xml version="1.0" encoding="UTF-8"?><Types/>"#.utf8))
        if let shared { try add("xl/sharedStrings.xml", shared) }
        try add("xl/worksheets/sheet1.xml", sheet)
        return archive.data
    } catch {
        return nil
    }
}
