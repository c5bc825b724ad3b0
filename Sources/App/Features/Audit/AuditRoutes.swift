import Vapor

/// The routes of the audit trail (nhật ký), read by officials.
enum AuditRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("audit", use: AuditAPIController.audit)
        r.pages.get("audit", use: AuditController.audit)
    }
}
