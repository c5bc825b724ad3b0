import Vapor

/// The routes of the catalogue of digital services and the phones' sync of the support log.
enum SupportLogRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("services", use: SupportLogAPIController.services)
        r.authed.post("services", use: SupportLogAPIController.createService)
        r.authed.on(.POST, "sync", body: .collect(maxSize: "5mb"), use: SupportLogAPIController.sync)
        r.authed.get("sync", use: SupportLogAPIController.pull)
    }
}
