import Vapor

/// The routes of sweep lists (rà từng người): who still needs a service, by household.
enum SweepRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authedReads.get("sweep", use: SweepAPIController.sweep)
        r.pageReads.get("units", ":code", "sweep", use: SweepController.show)
    }
}
