import Fluent
import LanToaCore
import Vapor

/// The target forms under the dashboard's chosen indicator: set the shown unit's target, or split it among the units under it.
enum TargetFormController {
    struct TargetForm: Content {
        var unit: String?
        var indicator: String?
        var period: String?
        var hierarchy: String?
        var value: String?
        var reason: String?
        var method: String?
        var values: [String: String]?
    }

    /// `POST /dashboard/targets`: sets the shown unit's target; `POST /dashboard/targets/split`: splits it among the units under it.
    static func saveTarget(req: Request, split: Bool) async throws -> Response {
        let form = try req.content.decode(TargetForm.self)
        let hierarchy = form.hierarchy.flatMap(LocalDate.init) ?? req.clock.today()
        let period = form.period.flatMap(ReportPeriod.init) ?? ReportPeriod.year(req.clock.today().year)
        let service = TargetService(scope: try req.scope, clock: req.clock)
        var input = DashboardController.TargetInput(value: form.value, reason: form.reason, method: form.method, values: form.values)
        do {
            if split {
                var typed: [String: Double]?
                if form.method == SplitMethod.typed.rawValue {
                    typed = [:]
                    for (code, text) in form.values ?? [:] where !text.trimmingWhitespace().isEmpty {
                        guard let v = NumberFormatting.parse(text) else { throw AppError.invalid("values.\(code)", "error.whole_number") }
                        typed![code] = v
                    }
                }
                _ = try await service.split(SplitTargetRequest(unit: form.unit, indicator: form.indicator, period: form.period,
                                                               method: form.method, values: typed, reason: form.reason))
            } else {
                let text = (form.value ?? "").trimmingWhitespace()
                let value = text.isEmpty ? nil : NumberFormatting.parse(text)
                if !text.isEmpty, value == nil { throw AppError.invalid("value", "error.whole_number") }
                _ = try await service.set(SetTargetRequest(unit: form.unit, indicator: form.indicator, period: form.period, value: value,
                                                           reason: form.reason))
            }
        } catch let error as AppError {
            guard case let .invalid(fields) = error else { throw error }
            input.errors = fields.map { f in
                let label = f.field.hasPrefix("values.") ? req.t("target.child_value", String(f.field.dropFirst(7))) : req.t("field.\(f.field)")
                return label + ": " + req.application.catalogue.text(f.key, req.language, f.args)
            }
            return try await DashboardController.render(req: req, code: form.unit ?? "", period: period, hierarchy: hierarchy, chosen: form.indicator, input: input,
                                    saved: false).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: SiteURL.dashboard.with(["unit": form.unit ?? "", "period": period.description, "hierarchy": hierarchy.iso,
                                                         "indicator": form.indicator ?? "", "saved": "1"], anchor: "target-forms"))
    }
}
