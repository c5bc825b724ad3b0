import Vapor

/// The routes of dashboards (bảng điều hành), rankings and the monthly review.
enum DashboardsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("dashboard", use: DashboardAPIController.dashboard)
        r.authed.get("rankings", use: DashboardAPIController.rankings)
        r.authed.get("review", use: DashboardAPIController.review)
        r.pages.get("dashboard", use: DashboardController.show)
        r.pages.get("rankings", use: RankingsController.rankings)
    }
}
