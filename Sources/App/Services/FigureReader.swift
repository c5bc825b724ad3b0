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

/// Reads figures from the rollups. A whole `FigureQuery` is one statement: its parts are the branches of one
/// `UNION ALL`, each a few range scans of the rollups' primary key (unit, key, period), whatever the size of the raw log.
///
/// The database returns the sums packed into one text value (`SQLDatabase.packedRows`): a province's dashboard is
/// a few thousand sums, and decoding that many rows one by one through the driver took several times longer than
/// finding them.
struct FigureReader {
    let db: any Database

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    typealias Figures = [UUID: [String: Int64]]

    /// The sums of a query: by tag, then by unit (or period key) and figure key.
    struct Results {
        var values: [String: [String: [String: Int64]]] = [:]

        /// A tag's sums by unit and figure key.
        func figures(_ tag: String) -> Figures {
            var out: Figures = [:]
            for (group, byKey) in values[tag] ?? [:] {
                guard let unit = UUIDText.parse(group) else { continue }
                out[unit, default: [:]].merge(byKey, uniquingKeysWith: +)
            }
            return out
        }

        /// A tag's sums by figure key and period key (for trends).
        func byPeriod(_ tag: String) -> [String: [String: Int64]] {
            var out: [String: [String: Int64]] = [:]
            for (period, byKey) in values[tag] ?? [:] {
                for (key, v) in byKey { out[key, default: [:]][period] = v }
            }
            return out
        }
    }

    func run(_ query: FigureQuery) async throws -> Results {
        guard !query.parts.isEmpty else { return Results() }
        var union = SQLQueryString("")
        for (index, part) in query.parts.enumerated() {
            if index > 0 { union += " UNION ALL " }
            let group = part.grouping == .unit ? "unit_id" : "period"
            union += "SELECT \(literal: index) AS p, CAST(\(unsafeRaw: group) AS TEXT) AS g, key AS k, SUM(value) AS v FROM rollups WHERE "
            union += sql.among("unit_id", part.units)
            union += " AND key IN (\(binds: part.keys)) AND "
            switch part.periods {
            case let .keys(keys): union += "period IN (\(binds: keys))"
            case let .range(range): union += "period >= \(bind: range.low) AND period <= \(bind: range.high)"
            }
            union += " GROUP BY \(unsafeRaw: group), key"
        }
        var results = Results()
        for row in try await sql.packedRows(union, columns: ["p", "g", "k", "v"]) {
            guard let index = Int(row[0]), query.parts.indices.contains(index), let v = Int64(row[3]) else { throw PackedRowsError.malformed }
            let part = query.parts[index]
            results.values[part.tag, default: [:]][row[1], default: [:]][row[2], default: 0] += v
        }
        return results
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
    /// `column` is one of `ids`, with a single bound value however many ids (thousands of communes): an array on
    /// PostgreSQL, a JSON array of the stored text on SQLite (which keeps UUIDs as upper-case text).
    func among(_ column: String, _ ids: [UUID]) -> SQLQueryString {
        if dialect.name == "postgresql" { return "\(ident: column) = ANY(\(bind: ids))" }
        let json = "[" + ids.map { "\"" + UUIDText.upper($0) + "\"" }.joined(separator: ",") + "]"
        return "\(ident: column) IN (SELECT value FROM json_each(\(bind: json)))"
    }

    /// The rows of `query`, whose columns are `columns`, as text. The database packs them into one value (fields
    /// separated by U+001F, rows by U+001E), which is split here: for thousands of small rows this is several
    /// times faster than decoding each row through the driver. Values holding either separator are refused.
    func packedRows(_ query: SQLQueryString, columns: [String]) async throws -> [[String]] {
        let postgres = dialect.name == "postgresql"
        let fields = columns.map { "CAST(x.\($0) AS TEXT)" }.joined(separator: postgres ? " || chr(31) || " : " || char(31) || ")
        let aggregate = postgres ? "string_agg(\(fields), chr(30))" : "group_concat(\(fields), char(30))"
        let packed = try await raw("SELECT \(unsafeRaw: aggregate) AS packed FROM (" + query + ") AS x").first()?
            .decode(column: "packed", as: String?.self)
        guard let packed, !packed.isEmpty else { return [] }
        var rows: [[String]] = []
        var row: [String] = []
        var bytes = Array(packed.utf8)
        bytes.append(0x1E)
        var start = 0
        for i in bytes.indices where bytes[i] == 0x1E || bytes[i] == 0x1F {
            row.append(String(decoding: bytes[start..<i], as: UTF8.self))
            start = i + 1
            if bytes[i] == 0x1E {
                guard row.count == columns.count else { throw PackedRowsError.malformed }
                rows.append(row)
                row = []
            }
        }
        return rows
    }
}
