import Vapor

/// The routes of targets (chỉ tiêu): set, split and frozen.
enum TargetsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("targets", use: TargetsAPIController.listTargets)
        r.authed.put("targets", use: TargetsAPIController.setTarget)
        r.authed.post("targets", "split", use: TargetsAPIController.splitTarget)
        r.pages.post("dashboard", "targets") { try await TargetFormController.saveTarget(req: $0, split: false) }
        r.pages.post("dashboard", "targets", "split") { try await TargetFormController.saveTarget(req: $0, split: true) }
    }
}
