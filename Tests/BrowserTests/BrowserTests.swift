import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import App
@testable import AppTests

/// Drives a real Chromium through chromedriver (W3C WebDriver over HTTP) against a running Lan Tỏa.
/// Runs when `LANTOA_CHROMEDRIVER` names the driver (`.ci/run` installs Debian's chromium-driver and sets it).
/// Screenshots at a 360-px-wide window are written to `screenshots/` for a person to look at.
@Suite("In a real browser", .enabled(if: ProcessInfo.processInfo.environment["LANTOA_CHROMEDRIVER"].map { !$0.isEmpty } ?? false))
struct BrowserTests {
    @Test("A commune official signs in on a phone-sized screen, adds a hamlet, founds a team and adds members")
    func communeOfficialOnAPhone() async throws {
        try await TestApp.run(.sqlite) { t in
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.go(t.baseURL + "/login")
                #expect(try await driver.text("h1") == "Đăng nhập")
                try await driver.type("#login", "xa")
                try await driver.type("#password", "mat-khau-123")
                try await driver.click("#login-submit")
                try await driver.go(t.baseURL + "/units?q=ba%20dinh")
                #expect(try await driver.source().contains("Phường Ba Đình"))
                try await driver.screenshot("units-search")

                try await driver.go(t.baseURL + "/units/\(Fixtures.communeA)")
                try await driver.type("#hamlet-name", "Tổ dân phố số 9")
                try await driver.click("#hamlet-submit")
                #expect(try await driver.source().contains("Tổ dân phố số 9"))
                try await driver.screenshot("commune")

                try await driver.go(t.baseURL + "/teams/new?unit=\(Fixtures.communeA)-001")
                try await driver.type("#decisionNumber", "15/QĐ-UBND")
                try await driver.setValue("#decisionDate", "2025-08-20")
                try await driver.type("#decisionSigner", "Trần Văn Bình")
                try await driver.click("#team-submit")
                #expect(try await driver.text("#team-name") == "Tổ CNSCĐ Tổ dân phố số 9")

                try await driver.type("#fullName", "Lê Thị Hoa")
                try await driver.type("#phone", "0123")
                try await driver.type("#birthYear", "1990")
                try await driver.click("#member-submit")
                #expect(try await driver.text("#form-errors").contains("không phải số di động Việt Nam hợp lệ"))
                try await driver.screenshot("member-error")

                try await driver.clear("#phone")
                try await driver.type("#phone", "0912 000 111")
                try await driver.click("#member-submit")
                #expect(try await driver.source().contains("0912 000 111"))
                #expect(try await driver.text("#findings").contains("Tổ có 1 thành viên, cần ít nhất 5"))
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the page scrolls sideways at 360 px: \(String(describing: width))")
                try await driver.screenshot("team")
            } catch {
                try? await driver.screenshot("failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }

    @Test("A commune official manages accounts on a phone: creates a leader's account, opens its actions, disables it")
    func accountsOnAPhone() async throws {
        try await TestApp.run(.sqlite) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let hamlet = try await t.hamlet("Thôn Điện Thoại", in: Fixtures.communeA, token: commune)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signIn(t.baseURL, login: "xa")
                try await driver.go(t.baseURL + "/accounts")
                #expect(try await driver.text("h1") == "Tài khoản trong địa bàn")
                try await driver.type("#login", "to-truong-dt")
                try await driver.execute("document.querySelector('#role').value = 'leader'")
                try await driver.type("#scope", hamlet)
                try await driver.type("#password", "Mot-mat-khau-rieng-9")
                try await driver.click("#account-submit")
                #expect(try await driver.source().contains("data-login=\"to-truong-dt\""))
                try await driver.execute("document.querySelector('li[data-login=\"to-truong-dt\"] details').open = true")
                try await driver.screenshot("accounts")
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the accounts page scrolls sideways at 360 px: \(String(describing: width))")
                try await driver.click("li[data-login=\"to-truong-dt\"] button.disable")
                #expect(try await driver.text("li[data-login=\"to-truong-dt\"]").contains("Đã khóa tài khoản"))
                let user = try #require(try await User.query(on: t.app.db).filter(\.$login == "to-truong-dt").first())
                #expect(user.disabled && user.role == .leader)
            } catch {
                try? await driver.screenshot("failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }

    @Test("A commune official reads the dashboard on a phone: figures, SVG charts, a child unit, then the review")
    func dashboardOnAPhone() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            var batch = OutreachTests.Batch()
            batch.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")]
            _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signIn(t.baseURL, login: "xa")
                try await driver.go(t.baseURL + "/dashboard")
                #expect(try await driver.text("h1").contains("Phường Ba Đình"))
                // On a phone the page leads with the key indicators as cards; the full table is a tap away.
                let cards = try await driver.execute("return Array.from(document.querySelectorAll('#key-indicators .key-name')).map(e => e.textContent)") as? [String]
                #expect(cards == ["Số Tổ CNSCĐ đang hoạt động", "Số thành viên Tổ CNSCĐ", "Số người dân đã ghi nhận", "Số hộ đã được đến hỗ trợ"],
                        "\(String(describing: cards))")
                #expect(try await driver.execute("return document.getElementById('all-indicators').open") as? Bool == false)
                let cardsHeight = try await driver.execute("return document.getElementById('key-indicators').getBoundingClientRect().height") as? Double
                #expect((cardsHeight ?? 9999) < 400, "the cards take \(String(describing: cardsHeight)) px")
                try await driver.screenshot("dashboard-cards")
                try await driver.execute("document.querySelector('#all-indicators summary').click()")
                #expect(try await driver.text("#indicators").contains("kích hoạt VNeID mức 2"))
                try await driver.click("#indicators tbody tr:nth-child(2) a")   // supports done for VNeID
                #expect(try await driver.text("#selected-actual") == "1")
                #expect(try await driver.execute("return document.querySelectorAll('#trend-chart svg polyline').length") as? Int == 1)
                // The charts' descriptions, read out by screen readers, are in the page's language.
                let trendDesc = try await driver.execute("return document.querySelector('#trend-chart svg desc').textContent") as? String
                #expect(trendDesc?.hasPrefix("Biểu đồ đường gồm") == true, "\(String(describing: trendDesc))")
                let barsDesc = try await driver.execute("return document.querySelector('#breakdown-chart svg desc').textContent") as? String
                #expect(barsDesc?.hasPrefix("Biểu đồ cột gồm") == true, "\(String(describing: barsDesc))")
                #expect(try await driver.text("#breakdown").contains("Tổ dân phố 3"))
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the dashboard scrolls sideways at 360 px: \(String(describing: width))")
                try await driver.screenshot("dashboard")
                // The commune cannot set its own target; once the province has, the commune splits it evenly.
                #expect(try await driver.execute("return document.querySelectorAll('#target-form').length") as? Int == 0)
                let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)
                struct Target: Encodable { var unit: String; var indicator: String; var period: String; var value: Double }
                #expect(try await t.send(.PUT, "/api/v1/targets", token: province,
                                         json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.done", period: "2026", value: 1_000)).status == .ok)
                try await driver.go(t.baseURL + "/dashboard?period=2026&indicator=vneid_level2.done")
                // An indicator with a target leads the cards, with its plan; the table is open since one was asked for.
                let first = try await driver.execute("return document.querySelector('#key-indicators .key-card').textContent") as? String
                #expect(first?.contains("Số lượt hỗ trợ: kích hoạt VNeID mức 2") == true && first?.contains("Chỉ tiêu 1.000") == true,
                        "\(String(describing: first))")
                #expect(try await driver.execute("return document.getElementById('all-indicators').open") as? Bool == true)
                try await driver.execute("document.getElementById('split-method').value = 'even'")
                try await driver.click("#split-submit")
                #expect(try await driver.text("#target-saved") == "Đã lưu chỉ tiêu.")
                #expect(try await driver.text("#breakdown").contains("Tổ dân phố 3"))
                let split = try await TargetRecord.query(on: t.app.db).filter(\.$indicatorCode == "vneid_level2.done").filter(\.$method == "even").all()
                #expect(!split.isEmpty && split.map(\.value).reduce(0, +) == 1_000)
                try await driver.click("#breakdown tbody a")
                #expect(try await driver.text("h1").contains("Tổ dân phố 3"))
                // The hamlet's target, set by the commune: a bad number, then a frozen target changed without a reason, are refused.
                try await driver.clear("#target-value")
                try await driver.type("#target-value", "mười")
                try await driver.click("#target-submit")
                #expect(try await driver.text("#form-errors").contains("Chỉ tiêu: Phải là số nguyên không âm."))
                try await driver.clear("#target-value")
                try await driver.type("#target-value", "1.200")
                try await driver.click("#target-submit")
                #expect(try await driver.text("#form-errors").contains("Lý do: Kỳ đã bắt đầu"))
                try await driver.screenshot("dashboard-target-form")
                #expect(try await driver.execute("return document.getElementById('target-value').value") as? String == "1.200")
                try await driver.type("#target-reason", "Thôn đông dân hơn dự kiến")
                try await driver.click("#target-submit")
                #expect(try await driver.text("#target-saved") == "Đã lưu chỉ tiêu.")
                #expect(try await driver.text("#indicators").contains("1.200"))
                try await driver.click("#ranking-link")
                #expect(try await driver.text("#quiet").contains("Không có"))   // the village has no team yet
                #expect(try await driver.text("h1").contains("Xếp hạng"))
                try await driver.go(t.baseURL + "/dashboard?unit=\(Fixtures.communeA)&period=2026-13")
                #expect(try await driver.source().contains("Kỳ \"2026-13\" không hợp lệ"))
                try await driver.screenshot("dashboard-error")
                // The commune launches a campaign for its hamlets from the campaigns page, which fits the phone.
                try await driver.go(t.baseURL + "/campaigns")
                try await driver.type("#campaign-name", "Tuần lễ VNeID")
                try await driver.execute("document.getElementById('campaign-start').value = '2026-11-23'")
                try await driver.execute("document.getElementById('campaign-end').value = '2026-11-30'")
                try await driver.execute("document.getElementById('campaign-indicator-1').value = 'vneid_level2.done'")
                try await driver.type("#campaign-value-1", "50")
                let campaignWidth = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((campaignWidth as? Int ?? 999) <= 360, "the campaigns page scrolls sideways at 360 px: \(String(describing: campaignWidth))")
                try await driver.screenshot("campaign-form")
                try await driver.click("#campaign-submit")
                #expect(try await driver.text("h1").contains("Tuần lễ VNeID"))
                #expect(try await driver.execute("return document.querySelectorAll('#trend-chart svg polyline').length") as? Int == 1)
            } catch {
                try? await driver.screenshot("failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}

/// The few WebDriver commands the tests use.
final class WebDriver: @unchecked Sendable {
    let client: HTTPClient
    let base: String
    let session: String
    let process: Process

    private init(client: HTTPClient, base: String, session: String, process: Process) {
        self.client = client
        self.base = base
        self.session = session
        self.process = process
    }

    static func start(client: HTTPClient) async throws -> WebDriver {
        let env = ProcessInfo.processInfo.environment
        let port = Int.random(in: 20000...29999)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: env["LANTOA_CHROMEDRIVER"]!)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let base = "http://127.0.0.1:\(port)"
        for _ in 0..<50 {
            if let ready = try? await call(client, .GET, base + "/status", nil), (ready["value"] as? [String: Any])?["ready"] as? Bool == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let chrome: [String: Any] = [
            "binary": env["LANTOA_CHROMIUM"] ?? "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi"],
            // A cheap Android phone's screen.
            "mobileEmulation": ["deviceMetrics": ["width": 360, "height": 780, "pixelRatio": 1]],
        ]
        let created = try await call(client, .POST, base + "/session",
                                     ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": chrome]]])
        guard let value = created["value"] as? [String: Any], let session = value["sessionId"] as? String else {
            stop(process)
            throw TestFailure("chromedriver refused a session: \(created)")
        }
        return WebDriver(client: client, base: base + "/session/" + session, session: session, process: process)
    }

    static func call(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, _ body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        // Generous: a loaded CI machine runs the whole suite beside the browser.
        let response = try await client.execute(request, timeout: .seconds(120))
        let data = Data(buffer: try await response.body.collect(upTo: 20 * 1024 * 1024))
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        if response.status.code >= 400 { throw TestFailure("WebDriver \(method) \(url): \(response.status) \(json)") }
        return json
    }

    @discardableResult
    func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.call(client, method, base + path, body)["value"]
    }

    func go(_ url: String) async throws { try await command(.POST, "/url", ["url": url]) }

    /// Signs in through the login form with the tests' password.
    func signIn(_ baseURL: String, login: String) async throws {
        try await go(baseURL + "/login")
        try await type("#login", login)
        try await type("#password", "mat-khau-123")
        try await click("#login-submit")
    }

    func element(_ css: String) async throws -> String {
        let value = try await command(.POST, "/element", ["using": "css selector", "value": css]) as? [String: Any]
        guard let id = value?.values.first as? String else { throw TestFailure("no element \(css)") }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        try await command(.POST, "/element/\(try await element(css))/value", ["text": text])
    }

    func clear(_ css: String) async throws { try await command(.POST, "/element/\(try await element(css))/clear", [:]) }

    /// Sets an input's value directly (date inputs take keyboard input in the locale's order).
    func setValue(_ css: String, _ value: String) async throws {
        try await execute("document.querySelector(arguments[0]).value = arguments[1]", [css, value])
    }

    /// Clicks a submit button and waits for the next page to load.
    func click(_ css: String) async throws {
        try await execute("window.__ltOld = true")
        try await command(.POST, "/element/\(try await element(css))/click", [:])
        for _ in 0..<100 {
            let loaded = try await execute("return window.__ltOld !== true && document.readyState === 'complete'") as? Bool
            if loaded == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("no page loaded after clicking \(css)")
    }

    func text(_ css: String) async throws -> String {
        try await command(.GET, "/element/\(try await element(css))/text") as? String ?? ""
    }

    func source() async throws -> String { try await command(.GET, "/source") as? String ?? "" }

    @discardableResult
    func execute(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command(.POST, "/execute/sync", ["script": script, "args": args])
    }

    func screenshot(_ name: String) async throws {
        guard let base64 = try await command(.GET, "/screenshot") as? String, let data = Data(base64Encoded: base64) else { return }
        let folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try data.write(to: folder.appendingPathComponent("\(name).png"))
    }

    func quit() async throws {
        _ = try? await Self.call(client, .DELETE, base, nil)
        Self.stop(process)
    }

    /// Stops chromedriver with SIGKILL, not `terminate()`'s SIGTERM: a process started from a test keeps the signal
    /// mask of the thread that started it, a thread of Swift's executor where SIGTERM is blocked, and chromedriver
    /// does not unblock it, so every chromedriver of a run outlived the suite. (The browser it started has ended with
    /// its session.)
    static func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
