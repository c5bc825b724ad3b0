import Vapor

/// The routes of indicators (chỉ số) and values reported by hand.
enum IndicatorsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("indicators", use: IndicatorsAPIController.indicators)
        r.authed.post("indicators", use: IndicatorsAPIController.createIndicator)
        r.authed.post("indicator-values", use: IndicatorsAPIController.reportValue)
    }
}
