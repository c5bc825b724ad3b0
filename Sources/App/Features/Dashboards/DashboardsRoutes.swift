import Vapor

/// The routes of dashboards (bảng điều hành), rankings and the monthly review.
enum DashboardsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authedReads.get("dashboard", use: DashboardAPIController.dashboard)
        r.authedReads.get("rankings", use: DashboardAPIController.rankings)
        r.authedReads.get("review", use: DashboardAPIController.review)
        r.pageReads.get("dashboard", use: DashboardController.show)
        r.pageReads.get("rankings", use: RankingsController.rankings)
    }
}
