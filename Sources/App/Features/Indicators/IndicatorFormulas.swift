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

        /// The formula's value from its figures: a rate of flows, a flow, a current figure, a stock, or a stock's rate
        /// per its denominator (a percentage to one decimal).
        func evaluate(flow: (String) -> Int64, stock: (String) -> Int64, current: (String) -> Int64)
            -> (actual: Double, numerator: Int64?, denominator: Int64?) {
            if let key = self.flow, let d = flowDenominator {
                let n = flow(key), expected = flow(d)
                return (ReportRates.percent(n, of: expected) ?? 0, n, expected)
            }
            if let key = self.flow { return (Double(flow(key)), nil, nil) }
            if let key = self.current { return (Double(current(key)), nil, nil) }
            let n = stock(self.stock ?? "")
            guard let d = denominator else { return (Double(n), nil, nil) }
            let value = stock(d)
            return (value > 0 ? (Double(n) * 1000 / Double(value)).rounded() / 10 : 0, n, value)
        }
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
            case .training: out[i.code] = Formula(flow: TrainingFigures.attendancesKey)
            case .trainingCoverage: out[i.code] = Formula(stock: TrainingFigures.membersKey, denominator: "members")
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

        /// Read from the ranking summary: the same sums by unit position.
        var dense: (flows: FigureReader.Results.Dense?, stocks: FigureReader.Results.Dense?, current: FigureReader.Results.Dense?)

        init(_ results: FigureReader.Results, prefix: String = "") {
            dense = (results.dense[prefix + "flows"], results.dense[prefix + "stocks"], results.dense[prefix + "current"])
            flows = dense.flows == nil ? results.figures(prefix + "flows") : [:]
            stocks = dense.stocks == nil ? results.figures(prefix + "stocks") : [:]
            current = dense.current == nil ? results.figures(prefix + "current") : [:]
        }

        /// The value of a formula for `unit`, the unit at `position` in the list the figures were read for.
        func value(_ f: Formula, unit: UUID, position: Int? = nil) -> (actual: Double, numerator: Int64?, denominator: Int64?) {
            func read(_ d: FigureReader.Results.Dense?, _ sparse: FigureReader.Figures, _ key: String) -> Int64 {
                guard let d else { return sparse[unit]?[key] ?? 0 }
                return (position ?? d.units.firstIndex(of: unit)).map { d.value(key, at: $0) } ?? 0
            }
            return f.evaluate(flow: { read(dense.flows, flows, $0) }, stock: { read(dense.stocks, stocks, $0) },
                              current: { read(dense.current, current, $0) })
        }

        /// One unit's figures, looked up once for all the formulas read of it (a dashboard's breakdown).
        func of(_ unit: UUID) -> UnitFigures {
            guard dense.flows == nil, dense.stocks == nil, dense.current == nil else { return UnitFigures(figures: self, unit: unit) }
            return UnitFigures(flows: flows[unit] ?? [:], stocks: stocks[unit] ?? [:], current: current[unit] ?? [:])
        }
    }

    /// The figures of one unit of a `PeriodFigures`.
    struct UnitFigures {
        var flows: [String: Int64] = [:]
        var stocks: [String: Int64] = [:]
        var current: [String: Int64] = [:]
        /// Figures read from the ranking summary, looked up through their `PeriodFigures`.
        var figures: PeriodFigures?
        var unit: UUID?

        init(flows: [String: Int64], stocks: [String: Int64], current: [String: Int64]) {
            self.flows = flows
            self.stocks = stocks
            self.current = current
        }

        init(figures: PeriodFigures, unit: UUID) {
            self.figures = figures
            self.unit = unit
        }

        func value(_ f: Formula) -> (actual: Double, numerator: Int64?, denominator: Int64?) {
            if let figures, let unit { return figures.value(f, unit: unit) }
            return f.evaluate(flow: { flows[$0] ?? 0 }, stock: { stocks[$0] ?? 0 }, current: { current[$0] ?? 0 })
        }
    }

    /// Adds to `query` the parts for the figures of `units` in a period (tags prefixed with `prefix`).
    static func addFigures(to query: inout FigureQuery, prefix: String = "", units: [UUID], formulas: [Formula], period: ReportPeriod) {
        query.flows(prefix + "flows", units: units, keys: Set(formulas.flatMap(\.flowKeys)), from: period.start, to: period.end)
        query.stocks(prefix + "stocks", units: units, keys: Set(formulas.flatMap(\.stockKeys)), at: period.end)
        query.sums(prefix + "current", units: units, keys: Set(formulas.compactMap(\.current)), periods: [RollupPeriods.total])
    }
}
