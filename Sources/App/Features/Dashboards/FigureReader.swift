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
/// Each row's figure keys are taken out of its JSON object by one call (SQLite's `json_extract` with every path), and
/// the sums are made here, not by the database. A row of a hundred keys or more is larger than what SQLite keeps in
/// a page of the primary key's tree, and every mention of the column in the statement read its overflow pages again
/// from the file: one `figures ->> key` per key and row made a province's dashboard spend a quarter of its time in
/// `pread` (`perf`, 05/12/2026).
///
/// The database returns the rows packed into one text value (`SQLDatabase.packedRows`): decoding thousands of rows
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
            /// The position of `key` among the values read from each row (`Scan.keys`).
            var value = 0
            /// The position of `periods` among the scan's conditions (`Scan.conditions`).
            var condition: Int?
        }

        var units: [UUID]
        var grouping: FigureQuery.Grouping
        var low: String
        var high: String
        var columns: [Column] = []
        /// The figure keys read from each row, once each, whatever the columns that sum them.
        var keys: [String] = []
        /// The periods of the columns that are not the whole scan, once each: tested once per row.
        var conditions: [FigureQuery.Periods] = []
        /// For each of `keys`, the conditions of the rows it is summed over; nil where some column sums it over
        /// every row of the scan.
        var needs: [[Int]?] = []

        /// Fills `keys`, `conditions` and each column's positions in them.
        mutating func index() {
            var keyPositions: [String: Int] = [:], conditionPositions: [FigureQuery.Periods: Int] = [:]
            for c in columns.indices {
                let key = columns[c].key
                if let known = keyPositions[key] { columns[c].value = known } else {
                    keyPositions[key] = keys.count
                    columns[c].value = keys.count
                    keys.append(key)
                    needs.append([])
                }
                guard let periods = columns[c].periods else {
                    needs[columns[c].value] = nil
                    continue
                }
                if let known = conditionPositions[periods] { columns[c].condition = known } else {
                    conditionPositions[periods] = conditions.count
                    columns[c].condition = conditions.count
                    conditions.append(periods)
                }
                if let need = needs[columns[c].value], !need.contains(columns[c].condition!) {
                    needs[columns[c].value] = need + [columns[c].condition!]
                }
            }
        }
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
            scan.index()
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
            // Each scan's sums by the text of its group (a unit or a period) and column; nil where no row had the key.
            var groups = [[String: Int]](repeating: [:], count: scans.count)
            var sums = [[[Int64?]]](repeating: [], count: scans.count)
            var values: [Int64?] = [], holds: [Bool] = []
            try await sql.forEachPackedRow(statement, columns: ["p", "g", "d", "v"]) { row in
                guard let index = row.int(0), scans.indices.contains(index) else { throw PackedRowsError.malformed }
                let scan = scans[index]
                values.removeAll(keepingCapacity: true)
                try row.forEachValue(3) { values.append($0) }
                guard values.count >= scan.keys.count else { throw PackedRowsError.malformed }
                let period = row.string(2)
                holds.removeAll(keepingCapacity: true)
                for condition in scan.conditions { holds.append(Self.holds(condition, period)) }
                let group = scan.grouping == .unit ? row.string(1) : period
                var g = groups[index][group] ?? -1
                if g < 0 {
                    g = sums[index].count
                    groups[index][group] = g
                    sums[index].append([Int64?](repeating: nil, count: scan.columns.count))
                }
                for (c, column) in scan.columns.enumerated() {
                    guard let value = values[column.value] else { continue }
                    if let condition = column.condition, !holds[condition] { continue }
                    sums[index][g][c] = (sums[index][g][c] ?? 0) + value
                }
            }
            // Into the results, a part (a run of the scan's columns) at a time: one lookup of its tag, and of each
            // group under it, instead of one per value.
            var results = Results()
            for (index, scan) in scans.enumerated() {
                var units: [UUID?] = Array(repeating: nil, count: sums[index].count)
                if scan.grouping == .unit {
                    for (group, g) in groups[index] {
                        // A stripe's sums are the nation's.
                        guard let unit = UUIDText.parse(group) else { throw PackedRowsError.malformed }
                        units[g] = Rollups.isNation(unit) ? Rollups.nation : unit
                    }
                }
                var start = 0
                while start < scan.columns.count {
                    let part = query.parts[scan.columns[start].part]
                    var end = start + 1
                    while end < scan.columns.count, scan.columns[end].part == scan.columns[start].part { end += 1 }
                    let run = start..<end
                    start = end
                    if scan.grouping == .unit {
                        var table = results.units.removeValue(forKey: part.tag) ?? [:]
                        for (g, unit) in units.enumerated() where run.contains(where: { sums[index][g][$0] != nil }) {
                            Self.add(sums[index][g], run, scan.columns, part.sign, into: &table[unit!, default: [:]])
                        }
                        results.units[part.tag] = table
                    } else {
                        var table = results.periods.removeValue(forKey: part.tag) ?? [:]
                        for (period, g) in groups[index] {
                            for c in run {
                                guard let sum = sums[index][g][c] else { continue }
                                table[scan.columns[c].key, default: [:]][period, default: 0] += part.sign * sum
                            }
                        }
                        results.periods[part.tag] = table
                    }
                }
            }
            return results
        }
    }

    /// Adds the sums of `columns[run]` (times `sign`) to a unit's figures.
    private static func add(_ sums: [Int64?], _ run: Range<Int>, _ columns: [Scan.Column], _ sign: Int64, into figures: inout [String: Int64]) {
        for c in run {
            guard let sum = sums[c] else { continue }
            figures[columns[c].key, default: 0] += sign * sum
        }
    }

    /// The condition that a row's period is among `periods`.
    static func sql(_ periods: FigureQuery.Periods) -> SQLQueryString {
        switch periods {
        case let .range(range): "(period >= \(bind: range.low) AND period <= \(bind: range.high))"
        case let .keys(keys): "period IN (\(binds: keys))"
        }
    }

    /// Whether a row of `period` is among `periods`.
    static func holds(_ periods: FigureQuery.Periods, _ period: String) -> Bool {
        switch periods {
        case let .range(range): period >= range.low && period <= range.high
        case let .keys(keys): keys.contains(period)
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
    /// test holds it to its index. Each row comes back with its unit, its period and the values of the scan's keys:
    /// on SQLite a JSON array from one `json_extract` (at least two paths, so that it is always an array), on
    /// PostgreSQL a list separated by commas, empty where the row lacks the key.
    func statement(_ scans: [Scan]) -> SQLQueryString {
        var union = SQLQueryString("")
        for (index, scan) in scans.enumerated() {
            if index > 0 { union += " UNION ALL " }
            union += "SELECT \(literal: index) AS p, CAST(unit_id AS TEXT) AS g, period AS d, "
            if sql.engine == .postgres {
                // PostgreSQL finds a key in a binary search of the object, and rows under 2 KB (all of a province's, at
                // real size) are stored uncompressed: reading them as one record (`jsonb_to_record`) measured no
                // faster. A key is taken out only of the rows it is summed over (a flow of this year not from the
                // years before, read for a stock).
                for (k, key) in scan.keys.enumerated() {
                    if k > 0 { union += " || ',' || " }
                    if let need = scan.needs[k] {
                        union += "COALESCE(CASE WHEN "
                        for (n, condition) in need.enumerated() {
                            if n > 0 { union += " OR " }
                            union += Self.sql(scan.conditions[condition])
                        }
                        union += " THEN figures ->> \(bind: key) END, '')"
                    } else {
                        union += "COALESCE(figures ->> \(bind: key), '')"
                    }
                }
                union += " AS v FROM rollups"
            } else {
                union += "json_extract(figures"
                for key in scan.keys.count == 1 ? scan.keys + scan.keys : scan.keys {
                    var path = "$."
                    RollupRows.appendJSONString(key, to: &path)
                    union += ", \(bind: path)"
                }
                union += ") AS v FROM rollups"
            }
            union += " WHERE " + sql.among("unit_id", scan.units)
            union += " AND period >= \(bind: scan.low) AND period <= \(bind: scan.high)"
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
