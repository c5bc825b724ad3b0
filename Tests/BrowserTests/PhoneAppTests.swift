import Fluent
import Foundation
import Testing
@testable import App
@testable import AppTests

/// The members' phone app in a real Chromium, with the network switched off and on again.
@Suite("Phone app offline", .enabled(if: ProcessInfo.processInfo.environment["LANTOA_CHROMEDRIVER"].map { !$0.isEmpty } ?? false))
struct PhoneAppTests {
    @Test("A support recorded with no network is kept, survives a reload, and reaches the server exactly once")
    func offlineCaptureReachesTheServerOnce() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.account("thanh-vien", role: .member, scope: v.hamlet)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signInToApp(t.baseURL, login: "thanh-vien")
                // The first load is light.
                let transferred = try await driver.execute("""
                    return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                      .filter(e => !e.name.includes('/api/')).reduce((n, e) => n + (e.transferSize || 0), 0)
                    """) as? Int ?? -1
                #expect(transferred > 0 && transferred < 150_000, "first load transferred \(transferred) bytes")
                // Let the service worker take the shell into its cache.
                try await driver.waitUntil("return caches.has('lantoa-shell-v5').then(has => has && navigator.serviceWorker.controller !== null)")
                try await driver.screenshot("app-households")

                try await driver.offline(true)
                try await driver.tapText(".household", "Số 2 ngõ 2")
                try await driver.tapText(".resident", "Nguyễn Thị Hạnh")
                try await driver.tap(".service[data-code=vneid_level2]")
                try await driver.tap(".outcome[data-outcome=done]")
                try await driver.waitFor("#recorded")
                #expect(try await driver.text("#queue-count") == "1")
                try await driver.screenshot("app-offline-queued")
                #expect(try await SupportActivity.query(on: t.app.db).count() == 0)

                // Reloaded with no network, the app opens from the cache with its queue.
                try await driver.go(t.baseURL + "/app/")
                try await driver.waitFor("#households .household")
                #expect(try await driver.text("#queue-count") == "1")

                try await driver.offline(false)
                try await driver.waitUntil("return document.getElementById('queue').hidden === true")
                let stored = try await SupportActivity.query(on: t.app.db).all()
                #expect(stored.count == 1)
                #expect(stored.first?.serviceCode == "vneid_level2" && stored.first?.outcome == .done && stored.first?.residentID == v.residents[1])
                // Later syncs do not send it again.
                try await Task.sleep(for: .seconds(6))
                #expect(try await SupportActivity.query(on: t.app.db).count() == 1)
                try await driver.screenshot("app-synced")
            } catch {
                try? await driver.screenshot("app-failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }

    @Test("A leader's report typed with no network is kept on the phone, survives a reload, and is submitted once when the network returns")
    func offlineReportDraft() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            let team = try await t.team(for: v.hamlet, token: v.commune).lowercased()
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signInToApp(t.baseURL, login: "to-truong")
                try await driver.waitUntil("return caches.has('lantoa-shell-v5').then(has => has && navigator.serviceWorker.controller !== null)")
                let item = "#reports .report[data-key='to_thang|2026-11|\(team)']"
                try await driver.tap(".tabs button[data-tab=reports]")
                try await driver.waitFor(item)
                #expect(try await driver.text(item).contains("Chưa đến kỳ nộp"))

                try await driver.offline(true)
                try await driver.tap(item)
                try await driver.type("#rp-products_online", "7")
                try await driver.tap("#report-submit")
                #expect(try await driver.text("#report-problem").contains("bắt buộc nhập"))
                try await driver.type("#rp-results", "Hướng dẫn 7 hộ bán nông sản trên sàn")
                try await driver.tap("#report-submit")
                try await driver.waitFor("#report-waiting")
                #expect(try await driver.text("#queue-count") == "1")
                try await driver.screenshot("app-report-offline")
                #expect(try await ReportRecord.query(on: t.app.db).count() == 0)

                // Reloaded with no network, the draft is still there, waiting.
                try await driver.go(t.baseURL + "/app/")
                try await driver.waitFor("#households .household")
                #expect(try await driver.text("#queue-count") == "1")
                try await driver.tap(".tabs button[data-tab=reports]")
                #expect(try await driver.text(item).contains("chờ gửi"))

                try await driver.offline(false)
                try await driver.waitUntil("return getComputedStyle(document.getElementById('queue')).display === 'none'")
                let stored = try await ReportRecord.query(on: t.app.db).all()
                #expect(stored.count == 1 && stored.first?.state == .submitted && stored.first?.revision == 1)
                let entries = ReportService.entries(stored.first)
                #expect(entries.numbers["products_online"] == 7 && entries.texts["results"] == "Hướng dẫn 7 hộ bán nông sản trên sàn")
                try await driver.waitUntil("return document.querySelector(arguments[0]).textContent.includes('Đã nộp, chờ duyệt')", args: [item])
                // Later syncs send nothing again.
                try await Task.sleep(for: .seconds(6))
                #expect(try await ReportEvent.query(on: t.app.db).count() == 1)
                try await driver.screenshot("app-report-sent")
            } catch {
                try? await driver.screenshot("app-report-failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}

extension PhoneAppTests {
    @Test("A household and a resident created offline on the phone, and a support for them, reach the server once")
    func offlineCreation() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.account("thanh-vien", role: .member, scope: v.hamlet)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signInToApp(t.baseURL, login: "thanh-vien")
                try await driver.offline(true)
                try await driver.fillHouseholdAndResident()
                try await driver.tap("#rs-save")
                try await driver.screenshot("app-resident-no-consent")
                // Consent is required before anything is recorded.
                #expect(try await driver.execute("return document.querySelector('.msg.err') && !document.querySelector('.msg.err').hidden") as? Bool == true)
                try await driver.tap("#rs-consent")
                try await driver.tap("#rs-save")
                try await driver.tapText(".resident", "Vũ Thị Mai")
                try await driver.tap(".service[data-code=vneid_level2]")
                try await driver.tap(".outcome[data-outcome=done]")
                try await driver.waitFor("#recorded")
                #expect(try await driver.text("#queue-count") == "3")
                #expect(try await Resident.query(on: t.app.db).count() == 5)

                try await driver.offline(false)
                try await driver.waitUntil("return document.getElementById('queue').hidden === true")
                let mai = try await Resident.query(on: t.app.db).filter(\.$fullName == "Vũ Thị Mai").all()
                #expect(mai.count == 1 && mai.first?.cccdMasked == "001*******45" && mai.first?.cccdSealed.isEmpty == false)
                let households = try await Household.query(on: t.app.db).filter(\.$address == "Số 15 ngõ 7").count()
                #expect(households == 1)
                let supports = try await SupportActivity.query(on: t.app.db).filter(\.$residentID == mai.first?.id).count()
                #expect(supports == 1)
                try await driver.screenshot("app-created-synced")
            } catch {
                try? await driver.screenshot("app-failure-2")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}

extension WebDriver {
    /// On the phone, adds the household "Số 15 ngõ 7" and starts its resident Vũ Thị Mai (1990, CCCD 001190012345),
    /// leaving the resident's form open.
    func fillHouseholdAndResident() async throws {
        try await tap("#add-household")
        try await type("#hh-address", "Số 15 ngõ 7")
        try await type("#hh-head", "Vũ Văn Hải")
        try await tap("#hh-save")
        try await tap("#add-resident")
        try await type("#rs-name", "Vũ Thị Mai")
        try await type("#rs-year", "1990")
        try await type("#rs-cccd", "001190012345")
    }

    /// Opens the phone app and signs in; returns when the household list shows.
    func signInToApp(_ baseURL: String, login: String) async throws {
        try await go(baseURL + "/app/")
        try await type("#app-login", login)
        try await type("#app-password", "mat-khau-123")
        try await tap("#app-login-submit")
        try await waitFor("#households .household")
    }

    /// Switches the browser's network off or on (chromedriver's network conditions).
    func offline(_ off: Bool) async throws {
        try await command(.POST, "/chromium/network_conditions", ["network_conditions": [
            "offline": off, "latency": 0, "download_throughput": -1, "upload_throughput": -1,
        ]])
        // Pages learn of it through the online/offline events.
        try await execute("window.dispatchEvent(new Event(arguments[0]))", [off ? "offline" : "online"])
    }

    /// Clicks an element of a single-page app (no page load follows).
    func tap(_ css: String) async throws {
        try await waitFor(css)
        // Centred first, so that the fixed tab bar does not cover it.
        try await execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", [css])
        try await command(.POST, "/element/\(try await element(css))/click", [:])
    }

    /// Clicks the first element matching `css` whose text contains `text`.
    func tapText(_ css: String, _ text: String) async throws {
        try await waitUntil("return [...document.querySelectorAll(arguments[0])].some(e => e.textContent.includes(arguments[1]))", args: [css, text])
        try await execute("[...document.querySelectorAll(arguments[0])].find(e => e.textContent.includes(arguments[1])).click()", [css, text])
    }

    func waitFor(_ css: String) async throws {
        try await waitUntil("return document.querySelector(arguments[0]) !== null", args: [css])
    }

    func waitUntil(_ script: String, args: [Any] = []) async throws {
        for _ in 0..<150 {
            if (try? await execute(script, args)) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("timed out waiting for: \(script)")
    }
}

extension PhoneAppTests {
    @Test("Personal fields wait sealed in the queue under a non-extractable key; an expired token is refreshed; signing out wipes the phone")
    func sealedQueueRefreshAndWipe() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.account("thanh-vien", role: .member, scope: v.hamlet)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signInToApp(t.baseURL, login: "thanh-vien")
                try await driver.offline(true)
                try await driver.fillHouseholdAndResident()
                try await driver.type("#rs-phone", "0912345678")
                try await driver.tap("#rs-consent")
                try await driver.tap("#rs-save")
                try await driver.waitUntil("return document.getElementById('queue-count').textContent === '2'")
                let queueText = try await driver.execute("""
                    return Object.keys(localStorage).filter(k => k.startsWith('lantoa.queue.')).map(k => localStorage.getItem(k)).join('|')
                    """) as? String ?? ""
                #expect(queueText.contains("sealed"))
                for secret in ["001190012345", "Vũ Thị Mai", "Số 15 ngõ 7", "Vũ Văn Hải", "0912345678"] {
                    #expect(!queueText.contains(secret), "the queue holds \(secret) in clear")
                }
                let everything = try await driver.execute("return Object.values(localStorage).join('|')") as? String ?? ""
                #expect(!everything.contains("001190012345"), "the full CCCD is stored in clear")
                let extractable = try await driver.execute("""
                    return new Promise(done => { const o = indexedDB.open('lantoa'); o.onsuccess = () => {
                      const all = o.result.transaction('keys').objectStore('keys').getAll();
                      all.onsuccess = () => { const found = all.result.map(k => k.extractable); o.result.close(); done(found); }; }; })
                    """) as? [Bool]
                #expect(extractable == [false])

                // The access token is gone (expired on a long shift): back online, the refresh token gets a new one.
                try await driver.execute("localStorage.setItem('lantoa.token', JSON.stringify('expired-token'))")
                try await driver.offline(false)
                try await driver.waitUntil("return document.getElementById('queue').hidden === true")
                let mai = try await Resident.query(on: t.app.db).filter(\.$fullName == "Vũ Thị Mai").all()
                #expect(mai.count == 1 && mai.first?.cccdMasked == "001*******45" && mai.first?.phone == "0912345678")
                #expect(try await driver.execute("return JSON.parse(localStorage.getItem('lantoa.token'))") as? String != "expired-token")

                // Signing out wipes every key the app stored and the queue key, and ends the session on the server.
                let tokensBefore = try await UserToken.query(on: t.app.db).count()
                try await driver.tap(".tabs button[data-tab=me]")
                try await driver.tap("#sign-out")
                try await driver.waitFor("#app-login")
                let left = try await driver.execute("return Object.keys(localStorage).filter(k => k.startsWith('lantoa.')).length") as? Int
                #expect(left == 0)
                try await driver.waitUntil("return indexedDB.databases().then(list => !list.some(d => d.name === 'lantoa'))")
                #expect(try await UserToken.query(on: t.app.db).count() < tokensBefore)
                try await driver.screenshot("app-signed-out")
            } catch {
                try? await driver.screenshot("app-failure-3")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}
