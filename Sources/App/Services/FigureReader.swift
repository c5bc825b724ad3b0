import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Reads figures from the rollups: sums of a flow over a period, stocks at a date. Every read is a handful of
/// range scans of the rollups' primary key, whatever the size of the raw log.
struct FigureReader {
    let db: any Database
    let today: LocalDate

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    typealias Figures = [UUID: [String: Int64]]

    /// The sums of the rows with exactly these period keys.
    func sums(units: [UUID], keys: Set<String>, periods: [String]) async throws -> Figures {
        guard !units.isEmpty, !keys.isEmpty, !periods.isEmpty else { return [:] }
        var out: Figures = [:]
        for chunk in units.chunked(1000) {
            let rows = try await sql.select().column("unit_id").column("key").column(SQLRaw("CAST(SUM(value) AS BIGINT)"), as: "v")
                .from(Rollups.schema)
                .where("unit_id", .in, SQLBind.group(Array(chunk)))
                .where("key", .in, SQLBind.group(keys.sorted()))
                .where("period", .in, SQLBind.group(periods))
                .groupBy("unit_id").groupBy("key").all()
            try add(rows, into: &out, sign: 1)
        }
        return out
    }

    /// Stocks at the end of `date`: the rows dated up to it, or (for dates from today on, when few rows follow) the
    /// total less the rows after it.
    func stocks(units: [UUID], keys: Set<String>, at date: LocalDate) async throws -> Figures {
        guard !units.isEmpty, !keys.isEmpty else { return [:] }
        var out: Figures = [:]
        let fromTotal = date >= today
        if fromTotal { out = try await sums(units: units, keys: keys, periods: [RollupPeriods.total]) }
        for range in fromTotal ? RollupPeriods.after(date) : RollupPeriods.upTo(date) {
            for chunk in units.chunked(1000) {
                let rows = try await sql.select().column("unit_id").column("key").column(SQLRaw("CAST(SUM(value) AS BIGINT)"), as: "v")
                    .from(Rollups.schema)
                    .where("unit_id", .in, SQLBind.group(Array(chunk)))
                    .where("key", .in, SQLBind.group(keys.sorted()))
                    .where("period", .greaterThanOrEqual, SQLBind(range.low))
                    .where("period", .lessThanOrEqual, SQLBind(range.high))
                    .groupBy("unit_id").groupBy("key").all()
                try add(rows, into: &out, sign: fromTotal ? -1 : 1)
            }
        }
        return out
    }

    /// The rows of these keys and periods summed over `units`, by key and period (for trends).
    func rows(units: [UUID], keys: Set<String>, periods: Set<String>) async throws -> [String: [String: Int64]] {
        guard !units.isEmpty, !keys.isEmpty, !periods.isEmpty else { return [:] }
        var out: [String: [String: Int64]] = [:]
        for unitChunk in units.chunked(100) {
            for chunk in Array(periods).sorted().chunked(900) {
                for row in try await sql.select().column("key").column("period").column("value").from(Rollups.schema)
                    .where("unit_id", .in, SQLBind.group(Array(unitChunk))).where("key", .in, SQLBind.group(keys.sorted()))
                    .where("period", .in, SQLBind.group(Array(chunk))).all() {
                    out[try row.decode(column: "key", as: String.self), default: [:]][try row.decode(column: "period", as: String.self), default: 0] +=
                        try row.decode(column: "value", as: Int64.self)
                }
            }
        }
        return out
    }

    /// Figures summed over the units, by key.
    static func total(_ figures: Figures) -> [String: Int64] {
        figures.values.reduce(into: [:]) { out, byKey in for (key, v) in byKey { out[key, default: 0] += v } }
    }

    private func add(_ rows: [any SQLRow], into out: inout Figures, sign: Int64) throws {
        for row in rows {
            let unit = try row.decode(column: "unit_id", as: UUID.self)
            let key = try row.decode(column: "key", as: String.self)
            out[unit, default: [:]][key, default: 0] += sign * (try row.decode(column: "v", as: Int64?.self) ?? 0)
        }
    }
}
