import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The indicators of a place's catalogue and the rollup keys each is computed from.
extension DashboardService {
    /// The indicators that apply to a place: the national ones and its province's own.
    func indicators(for place: Place) async throws -> [IndicatorRecord] {
        let province = place.path.split(separator: "/").first.map { "/\($0)/" } ?? "/"
        // Read as packed text and built here: decoding each model takes longer than the rest of a hamlet's dashboard.
        let columns = ["id", "code", "kind", "name", "name_en", "service_code", "figure", "unit_path", "position"]
        let rows = try await (scope.db as! any SQLDatabase).packedRows("""
            SELECT \(unsafeRaw: columns.joined(separator: ", ")) FROM indicators WHERE unit_path IN (\(binds: ["/", province]))
            """, columns: columns)
        return try rows.map { row in
            guard let kind = IndicatorKind(rawValue: row[2]), let position = Int(row[8]) else { throw PackedRowsError.malformed }
            let i = Indicators.make(row[1], kind, row[3], row[4], service: row[5], figure: row[6], unitPath: row[7])
            i.id = UUIDText.parse(row[0])
            i.position = position
            return i
        }.sorted { ($0.position, $0.code) < ($1.position, $1.code) }
    }

    func indicator(code: String?, for place: Place) async throws -> IndicatorRecord {
        guard let code, !code.isEmpty else { throw AppError.invalid("indicator", "error.required") }
        guard let found = try await indicators(for: place).first(where: { $0.code == code }) else {
            throw AppError.invalid("indicator", "error.unknown_indicator", code)
        }
        return found
    }

    static func response(_ i: IndicatorRecord) -> IndicatorResponse {
        IndicatorResponse(code: i.code, kind: i.kind, name: i.name, nameEn: i.nameEn, service: i.serviceCode.isEmpty ? nil : i.serviceCode,
                          figure: i.figure.isEmpty ? nil : i.figure, province: i.unitPath == "/" ? nil : i.unitPath)
    }

    /// How an indicator is read from the rollups.
    struct Formula {
        var flow: String?
        var stock: String?
        var denominator: String?
        var current: String?
        /// For a rate of flows (reporting completeness): the flow counted against.
        var flowDenominator: String?

        var flowKeys: [String] { [flow, flowDenominator].compactMap { $0 } }
        var stockKeys: [String] { [stock, denominator].compactMap { $0 } }
    }

    func formulas(_ indicators: [IndicatorRecord]) async throws -> [String: Formula] {
        var services: [String: (unit: ServiceUnit, minimumAge: Int)] = [:]
        for row in try await (scope.db as! any SQLDatabase).packedRows("SELECT code, unit, minimum_age FROM services",
                                                                       columns: ["code", "unit", "minimum_age"]) {
            guard let unit = ServiceUnit(rawValue: row[1]), let age = Int(row[2]) else { throw PackedRowsError.malformed }
            services[row[0]] = (unit, age)
        }
        var out: [String: Formula] = [:]
        for i in indicators {
            switch i.kind {
            case .count: out[i.code] = Formula(flow: Rollups.doneKey(i.serviceCode))
            case .manual: out[i.code] = Formula(flow: Rollups.manualKey(i.code))
            case .structural:
                out[i.code] = i.figure == "teams_compliant" ? Formula(current: i.figure) : Formula(stock: i.figure)
            case .reporting:
                let (measure, template) = ReportFigures.indicatorParts(i.figure)
                out[i.code] = Formula(flow: ReportFigures.key(measure, template), flowDenominator: ReportFigures.key(.expected, template))
            case .coverage:
                let s = services[i.serviceCode]
                out[i.code] = Formula(stock: Rollups.firstKey(i.serviceCode),
                                      denominator: s?.unit == .household ? "households" : Rollups.eligibleKey(s?.minimumAge ?? 0))
            }
        }
        return out
    }

    /// The figures of several places for a period, from the rollups (flows over the period, stocks at its end).
    struct PeriodFigures {
        var flows: FigureReader.Figures
        var stocks: FigureReader.Figures
        var current: FigureReader.Figures

        init(_ results: FigureReader.Results, prefix: String = "") {
            flows = results.figures(prefix + "flows")
            stocks = results.figures(prefix + "stocks")
            current = results.figures(prefix + "current")
        }

        func value(_ f: Formula, unit: UUID) -> (actual: Double, numerator: Int64?, denominator: Int64?) {
            if let key = f.flow, let d = f.flowDenominator {
                let n = flows[unit]?[key] ?? 0, expected = flows[unit]?[d] ?? 0
                return (ReportRates.percent(n, of: expected) ?? 0, n, expected)
            }
            if let key = f.flow { return (Double(flows[unit]?[key] ?? 0), nil, nil) }
            if let key = f.current { return (Double(current[unit]?[key] ?? 0), nil, nil) }
            let n = stocks[unit]?[f.stock ?? ""] ?? 0
            guard let d = f.denominator else { return (Double(n), nil, nil) }
            let denominator = stocks[unit]?[d] ?? 0
            return (denominator > 0 ? (Double(n) * 1000 / Double(denominator)).rounded() / 10 : 0, n, denominator)
        }
    }

    /// Adds to `query` the parts for the figures of `units` in a period (tags prefixed with `prefix`).
    static func addFigures(to query: inout FigureQuery, prefix: String = "", units: [UUID], formulas: [Formula], period: ReportPeriod) {
        query.flows(prefix + "flows", units: units, keys: Set(formulas.flatMap(\.flowKeys)), from: period.start, to: period.end)
        query.stocks(prefix + "stocks", units: units, keys: Set(formulas.flatMap(\.stockKeys)), at: period.end)
        query.sums(prefix + "current", units: units, keys: Set(formulas.compactMap(\.current)), periods: [RollupPeriods.total])
    }
}
