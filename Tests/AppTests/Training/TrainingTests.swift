import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("Training: courses, sessions, attendance and the training figures")
struct TrainingTests {
    /// Six teams of five members in commune B (Lạng Sơn), with its commune and province accounts.
    struct Network {
        var province: String
        var commune: String
        var teams: [String]
        var members: [String]
        var phones: [String]
    }

    static func network(_ t: TestApp, teams count: Int = 6, membersPerTeam: Int = 5) async throws -> Network {
        let province = try await t.account("so-lang-son", role: .province, scope: Fixtures.provinceB)
        let commune = try await t.account("xa-tam-thanh", role: .commune, scope: Fixtures.communeB)
        var teams: [String] = [], members: [String] = [], phones: [String] = []
        for i in 0..<count {
            let hamlet = try await t.hamlet("Khối \(i + 1)", in: Fixtures.communeB, token: commune)
            let team = try await t.team(for: hamlet, token: commune)
            teams.append(team)
            for j in 0..<membersPerTeam {
                let phone = String(format: "09120%02d%03d", i, j)
                let reply = try await t.member(team, name: "Thành viên \(i + 1).\(j + 1)", phone: phone, role: j == 0 ? "leader" : "member", token: commune)
                guard reply.status == .created, let id = try reply.json()["memberId"] as? String else { throw TestFailure("member: \(reply.text)") }
                members.append(id.lowercased())
                phones.append(phone)
            }
        }
        return Network(province: province, commune: commune, teams: teams, members: members, phones: phones)
    }

    static func course(_ t: TestApp, token: String, unit: String? = nil, mode: String = "in_person") async throws -> String {
        let reply = try await t.send(.POST, "/api/v1/training/courses", token: token, json: CreateTrainingCourseRequest(
            title: "Hướng dẫn cài đặt VNeID mức 2", topic: "Cài đặt, kích hoạt và sử dụng VNeID", services: ["vneid_level2"], mode: mode,
            link: mode == "mooc" ? "https://onetouch.mic.gov.vn/khoa-hoc/vneid" : nil, organiser: nil, organiserName: nil, unit: unit))
        guard reply.status == .created, let id = try reply.json()["id"] as? String else { throw TestFailure("course: \(reply.status) \(reply.text)") }
        return id
    }

    static func session(_ t: TestApp, course: String, date: LocalDate, unit: String, capacity: Int = 0, token: String) async throws -> String {
        let reply = try await t.send(.POST, "/api/v1/training/sessions", token: token, json: CreateTrainingSessionRequest(
            course: UUID(uuidString: course), date: date.iso, place: "Hội trường UBND tỉnh Lạng Sơn", link: nil, trainer: "Nguyễn Văn Minh",
            unit: unit, capacity: capacity))
        guard reply.status == .created, let id = try reply.json()["id"] as? String else { throw TestFailure("session: \(reply.status) \(reply.text)") }
        return id
    }

    static func present(_ members: [String], _ present: Bool = true) -> TrainingAttendanceRequest {
        TrainingAttendanceRequest(entries: members.map { TrainingAttendanceEntry(member: UUID(uuidString: $0), present: present, passed: present ? true : nil, certificate: nil) })
    }

    /// The province's training figures for 2026: lượt trained, and members trained this year of the active members.
    static func figures(_ t: TestApp, token: String) async throws -> (attendances: Double, trained: Int64?, members: Int64?, rate: Double) {
        let board = try await DashboardTests.dashboard(t, unit: Fixtures.provinceB, period: "2026", token: token)
        let lượt = try DashboardTests.indicator(board, "training.attendances")
        let share = try DashboardTests.indicator(board, "training.members")
        return (lượt.actual, share.numerator, share.denominator, share.actual)
    }

    @Test("Thirty members of six teams at a session count 30 lượt and 30 members trained; a second session adds lượt, not members; the rebuild agrees",
          arguments: Engine.available)
    func sessionsCountAttendancesAndMembersTrained(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let n = try await Self.network(t)
            let course = try await Self.course(t, token: n.province)
            let first = try await Self.session(t, course: course, date: testToday.adding(days: -9), unit: Fixtures.provinceB, token: n.province)
            let before = try await Self.figures(t, token: n.province)
            #expect(before.attendances == 0 && before.trained == 0 && before.members == 30)

            // The commune ticks its thirty members present at the province's session.
            let recorded = try await t.send(.PUT, "/api/v1/training/sessions/\(first)/attendance", token: n.commune, json: Self.present(n.members))
            #expect(recorded.status == .ok, "\(recorded.text)")
            let detail = try recorded.decode(TrainingSessionDetail.self)
            #expect(detail.session.present == 30 && detail.attendances.count == 30 && Set(detail.attendances.compactMap(\.team)).count == 6)
            let once = try await Self.figures(t, token: n.province)
            #expect(once.attendances == 30 && once.trained == 30 && once.members == 30 && once.rate == 100)

            // The same members at a second session: 30 more lượt, no new member trained.
            let second = try await Self.session(t, course: course, date: testToday.adding(days: -2), unit: Fixtures.provinceB, token: n.province)
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(second)/attendance", token: n.commune, json: Self.present(n.members)).status == .ok)
            let twice = try await Self.figures(t, token: n.province)
            #expect(twice.attendances == 60 && twice.trained == 30)
            var snapshot = try await DashboardTests.rollups(t.app.db)
            try await RollupBuilder(db: t.app.db).rebuild()
            #expect(try await DashboardTests.rollups(t.app.db) == snapshot)

            // One member absent from both sessions: two lượt fewer and one member fewer trained; the rebuild still agrees.
            let absent = [n.members[7]]
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(second)/attendance", token: n.commune, json: Self.present(absent, false)).status == .ok)
            #expect(try await Self.figures(t, token: n.province).trained == 30)
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(first)/attendance", token: n.commune, json: Self.present(absent, false)).status == .ok)
            let less = try await Self.figures(t, token: n.province)
            #expect(less.attendances == 58 && less.trained == 29 && less.rate == 96.7)
            snapshot = try await DashboardTests.rollups(t.app.db)
            try await RollupBuilder(db: t.app.db).rebuild()
            #expect(try await DashboardTests.rollups(t.app.db) == snapshot)

            // The members trained this year count from 1 January: read at the end of 2025, nobody was trained.
            let lastYear = try await DashboardTests.dashboard(t, unit: Fixtures.provinceB, period: "2025", token: n.province)
            #expect(try DashboardTests.indicator(lastYear, "training.members").numerator == 0)

            // A member's record, over the API and on their page.
            let record = try await t.send(.GET, "/api/v1/members/\(n.members[0])/training", token: n.commune).decode(MemberTrainingResponse.self)
            #expect(record.attendances == 2 && record.trainedThisYear && record.entries.count == 2)
            let absentRecord = try await t.send(.GET, "/api/v1/members/\(n.members[7])/training", token: n.commune).decode(MemberTrainingResponse.self)
            #expect(absentRecord.attendances == 0 && !absentRecord.trainedThisYear && absentRecord.entries.allSatisfy { !$0.present })
            let web = try await WebSession.signIn(t, login: "xa-tam-thanh", password: "mat-khau-123")
            let page = try await web.send(.GET, "/members/\(n.members[0])")
            #expect(page.status == .ok && page.text.contains("2 lượt tập huấn") && page.text.contains("Hướng dẫn cài đặt VNeID mức 2")
                && page.text.contains("Đã được tập huấn trong năm nay"))
        }
    }

    @Test("A session is corrected (its day only while nobody is present) and removed only without attendance; a course only without sessions",
          arguments: Engine.available)
    func sessionsAndCoursesAreCorrected(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let n = try await Self.network(t, teams: 1, membersPerTeam: 3)
            let course = try await Self.course(t, token: n.province)
            let session = try await Self.session(t, course: course, date: testToday.adding(days: -3), unit: Fixtures.provinceB, token: n.province)
            func body(_ date: LocalDate, place: String = "Nhà văn hóa khối 1", capacity: Int? = 40) -> CreateTrainingSessionRequest {
                CreateTrainingSessionRequest(course: nil, date: date.iso, place: place, link: nil, trainer: "Hoàng Thị Mai", unit: nil, capacity: capacity)
            }
            // Before anyone is present: every field may change, and a wrong one is named.
            let bad = try await t.send(.PUT, "/api/v1/training/sessions/\(session)", token: n.province, json: body(testToday, place: " "))
            #expect(bad.status == .unprocessableEntity && bad.text.contains("\"place\""))
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(session)", token: n.commune, json: body(testToday)).status == .forbidden)
            let moved = try await t.send(.PUT, "/api/v1/training/sessions/\(session)", token: n.province, json: body(testToday.adding(days: -2)))
            #expect(moved.status == .ok, "\(moved.text)")
            let r = try moved.decode(TrainingSessionResponse.self)
            #expect(r.date == testToday.adding(days: -2).iso && r.place == "Nhà văn hóa khối 1" && r.trainer == "Hoàng Thị Mai" && r.capacity == 40)

            // With members present the day stays (the figures count them on it); the place still changes.
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(session)/attendance", token: n.commune, json: Self.present(n.members)).status == .ok)
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(session)", token: n.province, json: body(testToday.adding(days: -1))).status == .conflict)
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(session)", token: n.province,
                                     json: body(testToday.adding(days: -2), place: "Hội trường UBND xã")).status == .ok)
            #expect(try await t.send(.DELETE, "/api/v1/training/sessions/\(session)", token: n.province).status == .conflict)
            #expect(try await t.send(.DELETE, "/api/v1/training/courses/\(course)", token: n.province).status == .conflict)
            #expect(try await Self.figures(t, token: n.province).attendances == 3)

            // On the pages: the session's form says why its day cannot move; the course page corrects the course.
            let web = try await WebSession.signIn(t, login: "so-lang-son", password: "mat-khau-123")
            #expect(try await web.send(.GET, "/training/sessions/\(session)").text.contains("id=\"session-edit-form\""))
            let refused = try await web.send(.POST, "/training/sessions/\(session)/edit", pairs: [
                ("date", testToday.iso), ("place", "Hội trường UBND xã"), ("trainer", ""), ("capacity", "")])
            #expect(refused.status == .conflict && refused.text.contains("hãy bỏ điểm danh trước"))
            #expect(try await web.send(.GET, "/training/courses/\(course)").text.contains("id=\"course-edit-form\""))
            let topic = try await web.send(.POST, "/training/courses/\(course)", pairs: [
                ("title", "Hướng dẫn cài đặt VNeID mức 2"), ("topic", "Có thêm phần quét NFC"), ("mode", "in_person"), ("services[]", "vneid_level2")])
            #expect(topic.status == .seeOther)
            #expect(try await TrainingCourse.query(on: t.app.db).first()?.topic == "Có thêm phần quét NFC")

            // Taken back, the session goes with its absences; then the course, corrected first.
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(session)/attendance", token: n.commune, json: Self.present(n.members, false)).status == .ok)
            #expect(try await t.send(.DELETE, "/api/v1/training/sessions/\(session)", token: n.commune).status == .forbidden)
            #expect(try await t.send(.DELETE, "/api/v1/training/sessions/\(session)", token: n.province).status == .noContent)
            #expect(try await TrainingAttendance.query(on: t.app.db).count() == 0)
            #expect(try await Self.figures(t, token: n.province).attendances == 0)
            let renamed = try await t.send(.PUT, "/api/v1/training/courses/\(course)", token: n.province, json: CreateTrainingCourseRequest(
                title: "VNeID mức 2 cho tổ trưởng", topic: nil, services: ["vneid_level2", "khong_co"], mode: "in_person", link: nil,
                organiser: nil, organiserName: nil, unit: nil))
            #expect(renamed.status == .unprocessableEntity && renamed.text.contains("\"services\""))
            let fixed = try await t.send(.PUT, "/api/v1/training/courses/\(course)", token: n.province, json: CreateTrainingCourseRequest(
                title: "VNeID mức 2 cho tổ trưởng", topic: nil, services: ["vneid_level2"], mode: "in_person", link: nil,
                organiser: nil, organiserName: nil, unit: nil))
            #expect(fixed.status == .ok)
            #expect(try fixed.decode(TrainingCourseResponse.self).title == "VNeID mức 2 cho tổ trưởng")
            #expect(try await t.send(.DELETE, "/api/v1/training/courses/\(course)", token: n.province).status == .noContent)
            #expect(try await TrainingCourse.query(on: t.app.db).count() == 0)
            let entries = try await AuditEntry.query(on: t.app.db).filter(\.$entity ~~ ["training_course", "training_session"]).all().map(\.action)
            #expect(entries.sorted() == ["create", "create", "end", "end", "update", "update", "update", "update"])
        }
    }

    @Test("Attendance is refused by field, all or nothing: unknown member, over capacity, before the session, outside its area", arguments: Engine.available)
    func badAttendanceIsRefusedWhole(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let n = try await Self.network(t, teams: 2, membersPerTeam: 2)
            let course = try await Self.course(t, token: n.province)
            let small = try await Self.session(t, course: course, date: testToday, unit: Fixtures.communeB, capacity: 3, token: n.province)
            let over = try await t.send(.PUT, "/api/v1/training/sessions/\(small)/attendance", token: n.commune, json: Self.present(n.members))
            #expect(over.status == .unprocessableEntity && over.text.contains("\"entries\"") && over.text.contains("error.capacity"))
            var unknown = Self.present(Array(n.members.prefix(2)))
            unknown.entries!.append(TrainingAttendanceEntry(member: UUID(), present: true, passed: nil, certificate: nil))
            let refused = try await t.send(.PUT, "/api/v1/training/sessions/\(small)/attendance", token: n.commune, json: unknown)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("entries[2].member"))
            let detail = try await t.send(.GET, "/api/v1/training/sessions/\(small)", token: n.commune).decode(TrainingSessionDetail.self)
            #expect(detail.session.present == 0 && detail.attendances.isEmpty)
            #expect(try await Self.figures(t, token: n.province).attendances == 0)

            let future = try await Self.session(t, course: course, date: testToday.adding(days: 3), unit: Fixtures.communeB, token: n.province)
            let early = try await t.send(.PUT, "/api/v1/training/sessions/\(future)/attendance", token: n.commune, json: Self.present(n.members))
            #expect(early.status == .unprocessableEntity && early.text.contains("error.session_not_held"))

            // A session of another province's commune is not seen from Lạng Sơn; a leader records only their own team.
            let other = try await t.account("xa-ba-dinh", role: .commune, scope: Fixtures.communeA)
            #expect(try await t.send(.PUT, "/api/v1/training/sessions/\(small)/attendance", token: other, json: Self.present(n.members)).status == .notFound)
            let leader = try await t.account("to-truong-1", role: .leader, scope: try await Self.hamletCode(t, team: n.teams[0], token: n.commune))
            let ownTeam = try await t.send(.PUT, "/api/v1/training/sessions/\(small)/attendance", token: leader, json: Self.present(Array(n.members.prefix(2))))
            #expect(ownTeam.status == .ok, "\(ownTeam.text)")
            let otherTeam = try await t.send(.PUT, "/api/v1/training/sessions/\(small)/attendance", token: leader, json: Self.present([n.members[3]]))
            #expect(otherTeam.status == .unprocessableEntity && otherTeam.text.contains("entries[0].member"))
            #expect(try await Self.figures(t, token: n.province).attendances == 2)
        }
    }

    static func hamletCode(_ t: TestApp, team: String, token: String) async throws -> String {
        let reply = try await t.send(.GET, "/api/v1/teams/\(team)", token: token)
        guard let unit = try reply.json()["unit"] as? [String: Any], let code = unit["code"] as? String else { throw TestFailure("team: \(reply.text)") }
        return code
    }

    @Test("A MOOC completion list is matched by phone: matched rows recorded, unmatched listed; a bad row writes nothing", arguments: Engine.available)
    func moocCompletionListIsImported(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let n = try await Self.network(t, teams: 2, membersPerTeam: 2)
            let course = try await Self.course(t, token: n.province, mode: "mooc")
            let session = try await Self.session(t, course: course, date: testToday.adding(days: -1), unit: Fixtures.provinceB, token: n.province)
            // As the platform exports it: its own column titles, numbers without the leading zero, "Hoàn thành".
            let bad = "STT,Họ tên,Điện thoại,Trạng thái,Mã chứng chỉ\n1,Thành viên 1.1,\(n.phones[0].dropFirst()),Hoàn thành,MOOC-1\n2,Ai đó,12345,Hoàn thành,\n"
            let refused = try await t.send(.POST, "/api/v1/training/sessions/\(session)/attendance-imports", token: n.province, body: Data(bad.utf8), contentType: "text/csv")
            #expect(refused.status == .unprocessableEntity && refused.text.contains("\"row\":3") && refused.text.contains("Số điện thoại"))
            #expect(try await t.send(.GET, "/api/v1/training/sessions/\(session)", token: n.province).decode(TrainingSessionDetail.self).session.present == 0)

            let good = "STT,Họ tên,Điện thoại,Trạng thái,Mã chứng chỉ\n1,Thành viên 1.1,\(n.phones[0].dropFirst()),Hoàn thành,MOOC-1\n"
                + "2,Thành viên 2.2,\(n.phones[3]),Chưa hoàn thành,\n3,Người ngoài,0987000111,Hoàn thành,MOOC-3\n"
            let reply = try await t.send(.POST, "/api/v1/training/sessions/\(session)/attendance-imports", token: n.province, body: Data(good.utf8), contentType: "text/csv")
            #expect(reply.status == .ok, "\(reply.text)")
            let result = try reply.decode(TrainingImportResponse.self)
            #expect(result.matched == 2 && result.recorded == 2 && result.unmatched == [UnmatchedAttendanceRow(row: 4, phone: "0987000111", fullName: "Người ngoài")])
            #expect(result.session.present == 2)
            let record = try await t.send(.GET, "/api/v1/members/\(n.members[0])/training", token: n.province).decode(MemberTrainingResponse.self)
            #expect(record.entries.first?.passed == true && record.entries.first?.certificate == "MOOC-1")
            let failed = try await t.send(.GET, "/api/v1/members/\(n.members[3])/training", token: n.province).decode(MemberTrainingResponse.self)
            #expect(failed.entries.first?.passed == false && failed.attendances == 1)
            #expect(try await Self.figures(t, token: n.province).attendances == 2)
            // The same list again changes nothing.
            let again = try await t.send(.POST, "/api/v1/training/sessions/\(session)/attendance-imports", token: n.province, body: Data(good.utf8), contentType: "text/csv")
            #expect(try again.decode(TrainingImportResponse.self).recorded == 0)
            #expect(try await Self.figures(t, token: n.province).attendances == 2)
        }
    }

    @Test("Officials add a course and a session on the pages and tick members present team by team", arguments: Engine.available)
    func pagesTickAttendance(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let n = try await Self.network(t, teams: 2, membersPerTeam: 3)
            let web = try await WebSession.signIn(t, login: "so-lang-son", password: "mat-khau-123")
            let missing = try await web.send(.POST, "/training/courses", form: ["title": " ", "mode": "in_person"])
            #expect(missing.status == .unprocessableEntity && missing.text.contains("Tên khóa: bắt buộc nhập"))
            let added = try await web.send(.POST, "/training/courses", form: ["title": "Kỹ năng số cho thành viên Tổ", "mode": "in_person",
                                                                              "organiser": "partner", "organiserName": "VNPT Lạng Sơn"])
            #expect(added.status == .seeOther)
            let index = try await web.send(.GET, "/training")
            #expect(index.text.contains("Kỹ năng số cho thành viên Tổ") && index.text.contains("VNPT Lạng Sơn"))
            let course = try #require(try await t.send(.GET, "/api/v1/training/courses", token: n.province).decode([TrainingCourseResponse].self).first).id
            let noPlace = try await web.send(.POST, "/training/sessions", form: ["course": course.uuidString, "date": testToday.iso])
            #expect(noPlace.status == .unprocessableEntity && noPlace.text.contains("Địa điểm: bắt buộc nhập"))
            let created = try await web.send(.POST, "/training/sessions", form: ["course": course.uuidString, "date": testToday.iso,
                                                                                 "place": "Nhà văn hóa phường", "capacity": "40"])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            // The province chooses the commune, then ticks its members.
            let choose = try await web.send(.GET, location)
            #expect(choose.text.contains("?unit=\(Fixtures.communeB)"))
            let roster = try await web.send(.GET, location + "?unit=\(Fixtures.communeB)")
            #expect(roster.text.contains("Thành viên 1.1") && roster.text.contains("Thành viên 2.3"))
            var pairs: [(String, String)] = [("unit", Fixtures.communeB)]
            for m in n.members { pairs.append(("members[]", m)) }
            for m in n.members.prefix(4) { pairs.append(("present[]", m)) }
            let saved = try await web.send(.POST, location + "/attendance", pairs: pairs)
            #expect(saved.status == .seeOther)
            let after = try await web.send(.GET, try #require(saved.headers.first(name: .location)))
            #expect(after.text.contains("Đã lưu 4 thay đổi điểm danh.") && after.text.contains(#"<span id="present-count">4</span>"#))
            #expect(try await Self.figures(t, token: n.province).attendances == 4)
            // Unticking one marks them absent.
            pairs.removeAll { $0 == ("present[]", n.members[0]) }
            #expect(try await web.send(.POST, location + "/attendance", pairs: pairs).status == .seeOther)
            #expect(try await Self.figures(t, token: n.province).attendances == 3)
            let upload = try await OfficialPagesTests.upload(web, location + "/import", csv: "Số điện thoại,Kết quả\n\(n.phones[5]),Đạt\n0987000222,Đạt\n")
            #expect(upload.status == .ok && upload.text.contains("1 dòng khớp với thành viên, 1 điểm danh được ghi; 1 dòng không khớp"))
            #expect(try await Self.figures(t, token: n.province).attendances == 4)
        }
    }
}
