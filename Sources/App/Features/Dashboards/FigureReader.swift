import Fluent
import Foundation
import LanToaCore
import SQLKit

/// What a dashboard or a ranking reads from the rollups, gathered so that it is read in one statement: each part is
/// a sum of rollup rows (a flow over a period, a stock at a date, the rows of a trend), tagged with what it is for.
struct FigureQuery {
    /// How a part's sums are grouped: by unit and figure key, or (for a trend) by figure key and period key.
    enum Grouping { case unit, period }

    enum Periods {
        case keys([String])
        case range(RollupPeriods.KeyRange)
    }

    struct Part {
        var tag: String
        var units: [UUID]
        var keys: [String]
        var periods: Periods
        var grouping: Grouping
    }

    private(set) var parts: [Part] = []

    /// The sums of the rows with exactly these period keys.
    mutating func sums(_ tag: String, units: [UUID], keys: some Collection<String>, periods: [String]) {
        guard !units.isEmpty, !keys.isEmpty, !periods.isEmpty else { return }
        parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .keys(periods), grouping: .unit))
    }

    /// Flows over the days `from...to`.
    mutating func flows(_ tag: String, units: [UUID], keys: some Collection<String>, from: LocalDate, to: LocalDate) {
        guard !units.isEmpty, !keys.isEmpty else { return }
        for range in RollupPeriods.coverRanges(from: from, to: to) {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(range), grouping: .unit))
        }
    }

    /// Stocks at the end of `date`: the sums of the rows dated up to it.
    mutating func stocks(_ tag: String, units: [UUID], keys: some Collection<String>, at date: LocalDate) {
        guard !units.isEmpty, !keys.isEmpty else { return }
        for range in RollupPeriods.upTo(date) {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(range), grouping: .unit))
        }
    }

    /// The rows of these period keys by key and period (for trends), read as a few spans that may hold more periods.
    mutating func rows(_ tag: String, units: [UUID], keys: some Collection<String>, periods: some Collection<String>) {
        guard !units.isEmpty, !keys.isEmpty else { return }
        for span in RollupPeriods.spans(periods) {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(span), grouping: .period))
        }
    }
}

/// Reads figures from the rollups. A whole `FigureQuery` is one statement, whatever the size of the raw log.
///
/// Its parts are gathered into scans: the parts over the same units, grouped the same way, whose periods are of one
/// grain (years, months, days, the total) are read by one range scan per unit of the rollups' primary key (unit,
/// period), from the first period any of them needs to the last. Each part's figure keys are columns of that scan,
/// summed over the rows of the part's own periods. A ranking's figures for this year, last year and up to now are
/// then one scan of a few year rows per commune.
///
/// The database returns the sums packed into one text value (`SQLDatabase.packedRows`): decoding thousands of rows
/// one by one through the driver took several times longer than finding them.
struct FigureReader {
    let db: any Database

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    typealias Figures = [UUID: [String: Int64]]

    /// The sums of a query, by tag: by unit and figure key, or (for a trend) by figure key and period key.
    struct Results {
        var units: [String: Figures] = [:]
        var periods: [String: [String: [String: Int64]]] = [:]

        /// A tag's sums by unit and figure key.
        func figures(_ tag: String) -> Figures { units[tag] ?? [:] }

        /// A tag's sums by figure key and period key (for trends).
        func byPeriod(_ tag: String) -> [String: [String: Int64]] { periods[tag] ?? [:] }
    }

    /// One range scan per unit (or, grouped by period, over all the units) and the sums it returns.
    struct Scan {
        struct Column {
            var part: Int
            var key: String
            /// The part's periods, where they are not the whole scan.
            var periods: FigureQuery.Periods?
        }

        var units: [UUID]
        var grouping: FigureQuery.Grouping
        var low: String
        var high: String
        var columns: [Column] = []
    }

    /// The scans that read `query`'s parts.
    static func scans(_ query: FigureQuery) -> [Scan] {
        struct Group: Hashable { var units: [UUID]; var grouping: FigureQuery.Grouping; var grain: Character }
        var order: [Group] = []
        var pieces: [Group: [(part: Int, periods: FigureQuery.Periods, low: String, high: String)]] = [:]
        func add(_ group: Group, _ piece: (part: Int, periods: FigureQuery.Periods, low: String, high: String)) {
            if pieces[group] == nil { order.append(group) }
            pieces[group, default: []].append(piece)
        }
        for (index, part) in query.parts.enumerated() {
            switch part.periods {
            case let .range(range):
                add(Group(units: part.units, grouping: part.grouping, grain: range.low.first ?? " "), (index, part.periods, range.low, range.high))
            case let .keys(keys):
                for (grain, same) in Dictionary(grouping: keys, by: { $0.first ?? " " }).sorted(by: { $0.key < $1.key }) {
                    add(Group(units: part.units, grouping: part.grouping, grain: grain), (index, .keys(same), same.min()!, same.max()!))
                }
            }
        }
        return order.map { group in
            let list = pieces[group]!
            var scan = Scan(units: group.units, grouping: group.grouping, low: list.map(\.low).min()!, high: list.map(\.high).max()!)
            for piece in list {
                // A range, or a single period key, that is the scan's whole span needs no condition.
                var whole = piece.low == scan.low && piece.high == scan.high
                if case let .keys(keys) = piece.periods, keys.count > 1 { whole = false }
                for key in query.parts[piece.part].keys {
                    scan.columns.append(Scan.Column(part: piece.part, key: key, periods: whole ? nil : piece.periods))
                }
            }
            return scan
        }
    }

    func run(_ query: FigureQuery) async throws -> Results {
        let scans = Self.scans(query)
        guard !scans.isEmpty else { return Results() }
        let statement = self.statement(scans)
        return try await Self.withoutParallelWorkers(db, if: scans.count > 1) { sql in
            var results = Results()
            try await sql.forEachPackedRow(statement, columns: ["p", "g", "v"]) { row in
                guard let index = row.int(0), scans.indices.contains(index) else { throw PackedRowsError.malformed }
                let scan = scans[index]
                let unit = scan.grouping == .unit ? row.uuid(1) : nil
                let period = scan.grouping == .period ? row.string(1) : ""
                guard scan.grouping == .period || unit != nil else { throw PackedRowsError.malformed }
                var c = 0
                try row.forEachListed(2) { sum in
                    guard c < scan.columns.count else { throw PackedRowsError.malformed }
                    defer { c += 1 }
                    guard let sum else { return }
                    let column = scan.columns[c], tag = query.parts[column.part].tag
                    if let unit { results.units[tag, default: [:]][unit, default: [:]][column.key, default: 0] += sum }
                    else { results.periods[tag, default: [:]][column.key, default: [:]][period, default: 0] += sum }
                }
                guard c == scan.columns.count else { throw PackedRowsError.malformed }
            }
            return results
        }
    }

    /// The one statement that reads `scans` (a UNION ALL of range scans of the rollups' primary key); the query-plan
    /// test holds it to its index.
    func statement(_ scans: [Scan]) -> SQLQueryString {
        var union = SQLQueryString("")
        for (index, scan) in scans.enumerated() {
            if index > 0 { union += " UNION ALL " }
            let group = scan.grouping == .unit ? "unit_id" : "period"
            union += "SELECT \(literal: index) AS p, CAST(\(unsafeRaw: group) AS TEXT) AS g, "
            for (c, column) in scan.columns.enumerated() {
                if c > 0 { union += " || ',' || " }
                let value = RollupRows.extract(column.key, sql)
                var sum: SQLQueryString
                switch column.periods {
                case nil: sum = "SUM(" + value + ")"
                case let .range(range)?: sum = "SUM(CASE WHEN period >= \(bind: range.low) AND period <= \(bind: range.high) THEN " + value + " END)"
                case let .keys(keys)?: sum = "SUM(CASE WHEN period IN (\(binds: keys)) THEN " + value + " END)"
                }
                union += "COALESCE(CAST(" + sum + " AS TEXT), '')"
            }
            union += " AS v FROM rollups WHERE " + sql.among("unit_id", scan.units)
            union += " AND period >= \(bind: scan.low) AND period <= \(bind: scan.high) GROUP BY \(unsafeRaw: group)"
        }
        return union
    }

    /// Runs `body` with PostgreSQL's parallel workers switched off for the transaction (`SET LOCAL`) when `condition`
    /// holds; otherwise, and on SQLite, as is. A statement of several scans (a dashboard) is planned as a Parallel
    /// Append of scans of a few milliseconds each, and waiting for the workers to start and gathering their rows took
    /// three times as long as the scans (22 ms instead of 7.6 for Phú Thọ, EXPLAIN ANALYZE). One scan over thousands
    /// of units (a ranking), which the workers may split usefully, showed no such wait and is left to the planner.
    /// Inside a caller's transaction the setting holds until that one ends.
    static func withoutParallelWorkers<T: Sendable>(_ db: any Database, if condition: Bool,
                                                   _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let sql = db as! any SQLDatabase
        guard condition, sql.engine == .postgres else { return try await body(sql) }
        return try await db.transaction { tx in
            let sql = tx as! any SQLDatabase
            try await sql.raw("SET LOCAL max_parallel_workers_per_gather = 0").run()
            return try await body(sql)
        }
    }

    /// The sums of the rows with exactly these period keys.
    func sums(units: [UUID], keys: Set<String>, periods: [String]) async throws -> Figures {
        var query = FigureQuery()
        query.sums("sums", units: units, keys: keys, periods: periods)
        return try await run(query).figures("sums")
    }

    /// Figures summed over the units, by key.
    static func total(_ figures: Figures) -> [String: Int64] {
        figures.values.reduce(into: [:]) { out, byKey in for (key, v) in byKey { out[key, default: 0] += v } }
    }
}

enum PackedRowsError: Error {
    case malformed
}

extension SQLDatabase {
    /// `column` is one of `ids`, however many ids (thousands of communes). On PostgreSQL one bound array. On SQLite
    /// (which keeps UUIDs as upper-case text) a list of literals, printed here from the UUIDs, never text from a
    /// request: SQLite sorts the list once and walks it in the primary key's order, so a `GROUP BY` on the column
    /// needs no temporary index, which it did with the JSON array bound before (about a quarter of a province
    /// dashboard's time). Written into PostgreSQL's statement instead, the literal array cost more in parsing and
    /// planning than binding it.
    func among(_ column: String, _ ids: [UUID]) -> SQLQueryString {
        if engine == .postgres { return "\(ident: column) = ANY(\(bind: ids))" }
        return "\(ident: column) IN (\(unsafeRaw: ids.isEmpty ? "NULL" : ids.map { "'" + UUIDText.upper($0) + "'" }.joined(separator: ",")))"
    }

    /// The rows of `query`, whose columns are `columns`, as text. The database packs them into one value (fields
    /// separated by U+001F, rows by U+001E), which is split here: for thousands of small rows this is several
    /// times faster than decoding each row through the driver. Values holding either separator are refused.
    func packedRows(_ query: SQLQueryString, columns: [String]) async throws -> [[String]] {
        var rows: [[String]] = []
        try await forEachPackedRow(query, columns: columns) { row in rows.append((0..<columns.count).map { row.string($0) }) }
        return rows
    }

    /// `packedRows(_:columns:)` without copying each field: `body` reads the fields of each row where they lie.
    func forEachPackedRow(_ query: SQLQueryString, columns names: [String], _ body: (PackedRow) throws -> Void) async throws {
        let postgres = engine == .postgres
        let fields = names.map { "CAST(x.\($0) AS TEXT)" }.joined(separator: postgres ? " || chr(31) || " : " || char(31) || ")
        let aggregate = postgres ? "string_agg(\(fields), chr(30))" : "group_concat(\(fields), char(30))"
        let packed = try await raw("SELECT \(unsafeRaw: aggregate) AS packed FROM (" + query + ") AS x").first()?
            .decode(column: "packed", as: String?.self)
        guard var packed, !packed.isEmpty else { return }
        try packed.withUTF8 { bytes in
            var row = PackedRow(bytes: bytes, fields: [])
            row.fields.reserveCapacity(names.count)
            var start = 0
            for i in 0...bytes.count {
                let end = i == bytes.count
                guard end || bytes[i] == 0x1E || bytes[i] == 0x1F else { continue }
                row.fields.append(start..<i)
                start = i + 1
                if end || bytes[i] == 0x1E {
                    guard row.fields.count == names.count else { throw PackedRowsError.malformed }
                    try body(row)
                    row.fields.removeAll(keepingCapacity: true)
                }
            }
        }
    }
}

/// One row of packed text: its fields are read where they lie, during the call that hands it out.
struct PackedRow {
    let bytes: UnsafeBufferPointer<UInt8>
    var fields: [Range<Int>]

    func withBytes<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try body(UnsafeBufferPointer(rebasing: bytes[fields[i]]))
    }

    func string(_ i: Int) -> String { withBytes(i) { String(decoding: $0, as: UTF8.self) } }

    /// The integers of a field that lists them separated by commas, an empty item as nil.
    func forEachListed(_ i: Int, _ body: (Int64?) throws -> Void) throws {
        try withBytes(i) { bytes in
            var value: Int64 = 0, negative = false, any = false
            for position in 0...bytes.count {
                if position == bytes.count || bytes[position] == UInt8(ascii: ",") {
                    try body(any ? (negative ? -value : value) : nil)
                    value = 0; negative = false; any = false
                    continue
                }
                let c = bytes[position]
                if c == UInt8(ascii: "-"), !any, !negative { negative = true; continue }
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { throw PackedRowsError.malformed }
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw PackedRowsError.malformed }
                value = sum
                any = true
            }
        }
    }

    func uuid(_ i: Int) -> UUID? { withBytes(i) { UUIDText.parse(utf8: $0) } }

    /// A decimal integer, optionally negative.
    func int(_ i: Int) -> Int? {
        withBytes(i) { digits in
            var negative = false
            var value = 0
            var any = false
            for (position, c) in digits.enumerated() {
                if position == 0, c == UInt8(ascii: "-") { negative = true; continue }
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                value = sum
                any = true
            }
            return any ? (negative ? -value : value) : nil
        }
    }
}
