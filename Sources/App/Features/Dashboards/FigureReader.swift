import Fluent
import Foundation
import LanToaCore
import SQLKit


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
        /// A query read from the ranking summary: each tag's sums by figure key, in arrays by the position of the unit
        /// in the part's list (a ranking looks them up by position, without hashing).
        var dense: [String: Dense] = [:]

        struct Dense {
            var units: [UUID]
            var byKey: [String: [Int64]] = [:]

            func value(_ key: String, at position: Int) -> Int64 { byKey[key]?[position] ?? 0 }
        }

        /// A tag's sums by unit and figure key (from dense sums: the non-zero ones).
        func figures(_ tag: String) -> Figures {
            if let found = units[tag] { return found }
            guard let d = dense[tag] else { return [:] }
            var out: Figures = [:]
            for (key, values) in d.byKey {
                for (position, value) in values.enumerated() where value != 0 { out[d.units[position], default: [:]][key] = value }
            }
            return out
        }

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
        if query.fromSummary { return try await runSummary(query) }
        var spread = query
        if query.readsNation { spread.spreadNation(over: try await Rollups.nationRows(on: db)) }
        let query = spread
        let scans = Self.scans(query)
        guard !scans.isEmpty else { return Results() }
        let statement = self.statement(scans)
        return try await Self.withoutParallelWorkers(db, if: scans.count > 1) { sql in
            var results = Results()
            try await sql.forEachPackedRow(statement, columns: ["p", "g", "v"]) { row in
                guard let index = row.int(0), scans.indices.contains(index) else { throw PackedRowsError.malformed }
                let scan = scans[index]
                // A stripe's sums are the nation's.
                let unit = scan.grouping == .unit ? row.uuid(1).map { Rollups.isNation($0) ? Rollups.nation : $0 } : nil
                let period = scan.grouping == .period ? row.string(1) : ""
                guard scan.grouping == .period || unit != nil else { throw PackedRowsError.malformed }
                var c = 0
                try row.forEachListed(2) { sum in
                    guard c < scan.columns.count else { throw PackedRowsError.malformed }
                    defer { c += 1 }
                    guard let sum else { return }
                    let column = scan.columns[c], part = query.parts[column.part]
                    if let unit { results.units[part.tag, default: [:]][unit, default: [:]][column.key, default: 0] += part.sign * sum }
                    else { results.periods[part.tag, default: [:]][column.key, default: [:]][period, default: 0] += part.sign * sum }
                }
                guard c == scan.columns.count else { throw PackedRowsError.malformed }
            }
            return results
        }
    }

    /// A query made for the ranking summary: for each part, figure key and run of periods, one range of the summary's
    /// primary key (key, period, unit), all of whose rows are read. The rows of units a part does not name are skipped
    /// here: naming 3,321 communes in the statement made SQLite take four times as long as reading every row.
    private func runSummary(_ query: FigureQuery) async throws -> Results {
        let (statement, selects) = try summaryStatement(query)
        guard !selects.isEmpty else { return Results() }
        // The position of each unit a part names (the parts of one ranking name the same units: one list for all).
        var lists: [[UUID]] = [], listOfPart: [Int] = [], positions: [[UUID: Int]] = []
        for part in query.parts {
            if let known = lists.lastIndex(where: { $0 == part.units }) { listOfPart.append(known); continue }
            lists.append(part.units)
            positions.append(Dictionary(part.units.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }))
            listOfPart.append(lists.count - 1)
        }
        // Each (tag, key, list of units)'s sums by unit position: a row costs an array update, not dictionary lookups.
        struct Slot: Hashable { var tag: String; var key: String; var list: Int }
        var slots: [Slot] = [], slotOfSelect: [Int] = [], signOfSelect: [Int64] = []
        var listOfTag: [String: Int] = [:]
        for (part, list) in zip(query.parts, listOfPart) {
            if let known = listOfTag.updateValue(list, forKey: part.tag), known != list { throw SummaryError.unitsDiffer(part.tag) }
        }
        for (part, key) in selects {
            let slot = Slot(tag: query.parts[part].tag, key: key, list: listOfPart[part])
            if let known = slots.firstIndex(of: slot) { slotOfSelect.append(known) } else { slots.append(slot); slotOfSelect.append(slots.count - 1) }
            signOfSelect.append(query.parts[part].sign)
        }
        let sums = try await Self.withoutParallelWorkers(db, if: selects.count > 1) { [selects, lists, listOfPart, positions, slots, slotOfSelect, signOfSelect] sql in
            var sums = slots.map { [Int64](repeating: 0, count: lists[$0.list].count) }
            try await sql.forEachPackedRow(statement, columns: ["s", "u", "v"]) { row in
                guard let index = row.int(0), selects.indices.contains(index), let unit = row.uuid(1), let value = row.int(2) else {
                    throw PackedRowsError.malformed
                }
                guard let position = positions[listOfPart[selects[index].part]][unit] else { return }
                sums[slotOfSelect[index]][position] += signOfSelect[index] * Int64(value)
            }
            return sums
        }
        var results = Results()
        for (slot, values) in zip(slots, sums) {
            results.dense[slot.tag, default: Results.Dense(units: lists[slot.list])].byKey[slot.key] = values
        }
        return results
    }

    /// The statement that reads a query from the ranking summary (a UNION ALL of ranges of its primary key, held to
    /// it by the query-plan test), and the part and figure key of each of its selects.
    func summaryStatement(_ query: FigureQuery) throws -> (SQLQueryString, [(part: Int, key: String)]) {
        var statement = SQLQueryString("")
        var selects: [(part: Int, key: String)] = []
        for (index, part) in query.parts.enumerated() {
            let ranges: [RollupPeriods.KeyRange] = switch part.periods {
            case let .range(range): [range]
            case let .keys(keys): keys.map { RollupPeriods.KeyRange(low: $0, high: $0) }
            }
            guard part.grouping == .unit, ranges.allSatisfy({ RollupSummary.keeps($0.low) && RollupSummary.keeps($0.high) }) else {
                throw SummaryError.notKept(part.tag)
            }
            for key in part.keys {
                for range in ranges {
                    if !selects.isEmpty { statement += " UNION ALL " }
                    statement += """
                        SELECT \(literal: selects.count) AS s, CAST(unit_id AS TEXT) AS u, CAST(value AS TEXT) AS v FROM \(unsafeRaw: RollupSummary.schema)
                        WHERE key = \(bind: key) AND period >= \(bind: range.low) AND period <= \(bind: range.high)
                        """
                    selects.append((index, key))
                }
            }
        }
        return (statement, selects)
    }

    enum SummaryError: Error, CustomStringConvertible {
        case notKept(String)
        case unitsDiffer(String)

        var description: String {
            switch self {
            case let .notKept(tag): "The ranking summary keeps no days and no trends: \(tag) must be read from the rollups."
            case let .unitsDiffer(tag): "The parts of \(tag) name different units: read from the ranking summary, a tag's parts name the same units."
            }
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
