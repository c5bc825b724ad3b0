import Vapor

/// The routes of periodic reports (báo cáo định kỳ): templates, a report, its review, the review table and exports.
enum ReportsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("report-templates", use: ReportsAPIController.templates)
        r.authed.post("report-templates", use: ReportsAPIController.saveTemplate)
        r.authedReads.get("reports", use: ReportsAPIController.review)
        r.authed.get("reports", "mine", use: ReportsAPIController.mine)
        let one = r.authed.grouped("reports", ":template", ":period", ":reporter")
        one.get(use: ReportsAPIController.report)
        one.put(use: ReportsAPIController.save)
        one.post("submit", use: ReportsAPIController.submit)
        one.post("return", use: ReportsAPIController.decide(.returned))
        one.post("approve", use: ReportsAPIController.decide(.approve))
        one.post("not-received", use: ReportsAPIController.decide(.notReceived))
        one.post("reopen", use: ReportsAPIController.decide(.reopen))
        one.post("exception", use: ReportsAPIController.grantException)
        r.pageReads.get("reports", use: ReportsController.index)
        r.pageReads.get("reports", "export", use: ReportsController.exportTable)
        let page = r.pages.grouped("reports", ":template", ":period", ":reporter")
        page.get(use: ReportPage.show)
        page.post(use: ReportPage.enter)
        page.post("decide", use: ReportPage.decide)
        r.pageReads.get("reports", ":template", ":period", ":reporter", "export", use: ReportPage.export)
    }
}
