import AsyncHTTPClient
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// A local stand-in for Zalo's servers, over real HTTP, speaking the endpoints, headers and error codes the client uses
/// (../shared/design/ZALO.md): tokens that rotate (a refresh token works once), consultation and template messages,
/// a message's status. It can be told to fail the next calls with an HTTP status or a Zalo error code, and it records
/// every message it accepted.
public final class FakeZalo: Sendable {
    public struct Sent: Equatable, Sendable {
        public var endpoint: String
        public var recipient: String
        public var text: String
        public var trackingID: String?
        public var messageID: String
        /// When it was taken, in milliseconds since 1970 as Zalo writes times.
        public var time = Int(Date().timeIntervalSince1970 * 1000)
    }

    public struct State: Sendable {
        public var appID = "fake-app"
        public var appSecret = "fake-app-secret"
        public var oaSecret = "oa-secret"
        public var events = 0
        public var refreshToken = "first-refresh"
        public var accessTokens: Set<String> = []
        public var expired: Set<String> = []
        public var refreshes = 0
        public var failures: [Failure] = []
        public var sent: [Sent] = []
        public var dailyQuota = 500
        /// Every message call, answered or not; of them, those failed before the message was taken, and after.
        public var calls = 0
        public var failedBeforeTaking = 0
        public var failedAfterTaking = 0
        /// Of every ten message calls, how many fail (alternately HTTP 503 and -32), spread evenly.
        public var failuresInTen = 0
        /// How long a message call waits, after its message is taken, before answering.
        public var delay: Duration = .zero
        /// Users whose last message to the OA is older than 7 days: consultation messages to them are refused (-230).
        public var outsideWindow: Set<String> = []
        /// The clock that stamps messages (a test gives the app's).
        public var now: @Sendable () -> Date = { Date() }
    }

    public enum Failure: Sendable {
        case status(HTTPResponseStatus)
        case code(Int)
    }

    public let state = NIOLockedValueBox(State())
    public let app: Application
    private let port = NIOLockedValueBox(0)
    public var baseURL: String { "http://127.0.0.1:\(port.withLockedValue { $0 })" }

    private init(app: Application) {
        self.app = app
    }

    public static func start(port: Int = 0) async throws -> FakeZalo {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let f = FakeZalo(app: app)
        app.post("v4", "oa", "access_token") { req async throws -> Response in try f.token(req) }
        app.post("v3.0", "oa", "message", "cs") { req async throws -> Response in try await f.message(req, endpoint: "cs") }
        app.post("message", "template") { req async throws -> Response in try await f.message(req, endpoint: "template") }
        app.get("v2.0", "oa", "conversation") { req async throws -> Response in try f.conversation(req) }
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        let bound = app.http.server.shared.localAddress!.port!
        f.port.withLockedValue { $0 = bound }
        return f
    }

    public func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    /// The next calls fail, in order.
    public func fail(_ failures: Failure...) { state.withLockedValue { $0.failures += failures } }

    /// The access tokens given so far stop working (-220).
    public func expireTokens() { state.withLockedValue { $0.expired.formUnion($0.accessTokens) } }

    public var sent: [Sent] { state.withLockedValue { $0.sent } }
    public var refreshes: Int { state.withLockedValue { $0.refreshes } }
    public var currentRefreshToken: String { state.withLockedValue { $0.refreshToken } }

    /// Posts an event to a webhook as Zalo does: `app_id`, `timestamp` in milliseconds, and `X-ZEvent-Signature`
    /// `mac=` SHA-256 of app id + body + timestamp + OA secret (`signedWith` replaces the secret, to send a bad one).
    /// Returns the status and body of the answer. `timeout` is generous by default, as the test suite's own client: a
    /// test checks what the server does, not how fast it does it on a loaded machine.
    public func webhook(_ url: String, event: String, from user: String, text: String? = nil, messageID: String? = nil, trackingID: String? = nil,
                 at date: Date = Date(), signedWith secret: String? = nil, client: HTTPClient,
                 timeout: TimeAmount = .seconds(900)) async throws -> (HTTPResponseStatus, String) {
        let (appID, oaSecret, number) = state.withLockedValue { s -> (String, String, Int) in
            s.events += 1
            return (s.appID, s.oaSecret, s.events)
        }
        let timestamp = "\(Int(date.timeIntervalSince1970 * 1000))"
        var body: [String: Any] = ["app_id": appID, "event_name": event, "timestamp": timestamp, "user_id_by_app": "app-\(user)",
                                   "sender": ["id": user], "recipient": ["id": "oa-01"]]
        if event == "follow" || event == "unfollow" { body["follower"] = ["id": user] }
        var message: [String: Any] = ["msg_id": messageID ?? "event-\(number)"]
        if let text { message["text"] = text }
        if let trackingID { message["tracking_id"] = trackingID; message["delivery_time"] = timestamp }
        body["message"] = message
        let data = try JSONSerialization.data(withJSONObject: body)
        var digest = SHA256()
        digest.update(data: Data(appID.utf8))
        digest.update(data: data)
        digest.update(data: Data(timestamp.utf8))
        digest.update(data: Data((secret ?? oaSecret).utf8))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-ZEvent-Signature", value: "mac=" + digest.finalize().map { String(format: "%02x", $0) }.joined())
        request.body = .bytes(ByteBuffer(data: data))
        let response = try await client.execute(request, timeout: timeout)
        let answer = try await response.body.collect(upTo: 1 << 20)
        return (response.status, String(buffer: answer))
    }

    private func json(_ object: [String: Any]) throws -> Response {
        let response = Response(status: .ok, body: .init(data: try JSONSerialization.data(withJSONObject: object)))
        response.headers.contentType = .json
        return response
    }

    private func token(_ req: Request) throws -> Response {
        struct Form: Content {
            var app_id: String?
            var grant_type: String?
            var refresh_token: String?
        }
        guard req.headers.contentType == .urlEncodedForm else { return try json(["error": -201, "message": "Form expected"]) }
        let form = try req.content.decode(Form.self)
        let ok = state.withLockedValue { s -> (String, String)? in
            guard req.headers.first(name: "secret_key") == s.appSecret, form.app_id == s.appID, form.grant_type == "refresh_token",
                  form.refresh_token == s.refreshToken else { return nil }
            s.refreshes += 1
            let access = "access-\(s.refreshes)"
            // A new access token replaces the ones before it.
            s.accessTokens = [access]
            s.refreshToken = "refresh-\(s.refreshes)"
            return (access, s.refreshToken)
        }
        guard let (access, refresh) = ok else { return try json(["error": -14014, "message": "Invalid refresh token"]) }
        return try json(["access_token": access, "refresh_token": refresh, "expires_in": "90000"])
    }

    /// The latest messages the OA sent a user, newest first (`GET /v2.0/oa/conversation?data={"user_id","offset","count"}`).
    private func conversation(_ req: Request) throws -> Response {
        let token = req.headers.first(name: "access_token") ?? ""
        guard state.withLockedValue({ $0.accessTokens.contains(token) && !$0.expired.contains(token) }) else {
            return try json(["error": -216, "message": "Access token is invalid"])
        }
        let raw = (try? req.query.get(String.self, at: "data")) ?? ""
        guard let query = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any], let user = query["user_id"] as? String else {
            return try json(["error": -201, "message": "Invalid data"])
        }
        let count = (query["count"] as? Int) ?? 5
        let offset = (query["offset"] as? Int) ?? 0
        let messages = state.withLockedValue { s in
            s.sent.filter { $0.endpoint == "cs" && $0.recipient == user }.reversed().dropFirst(offset).prefix(min(count, 10))
        }
        return try json(["error": 0, "message": "Success", "data": messages.map { m -> [String: Any] in
            ["message_id": m.messageID, "src": 0, "time": m.time, "type": "text", "message": m.text, "to_id": user]
        }])
    }

    private func message(_ req: Request, endpoint: String) async throws -> Response {
        let answer = try messageAnswer(req, endpoint: endpoint)
        let delay = state.withLockedValue { $0.delay }
        if delay > .zero { try await Task.sleep(for: delay) }
        return answer
    }

    private func messageAnswer(_ req: Request, endpoint: String) throws -> Response {
        guard req.headers.contentType == .json else { return try json(["error": -201, "message": "JSON expected"]) }
        let body = (try? JSONSerialization.jsonObject(with: Data(buffer: req.body.data ?? ByteBuffer())) as? [String: Any]) ?? [:]
        if endpoint == "template" {
            let phone = body["phone"] as? String ?? ""
            guard phone.hasPrefix("84"), phone.count == 11, phone.allSatisfy(\.isNumber) else { return try json(["error": -108, "message": "Invalid phone"]) }
            guard (body["tracking_id"] as? String ?? "").count <= 48 else { return try json(["error": -201, "message": "tracking_id too long"]) }
        }
        let token = req.headers.first(name: "access_token") ?? ""
        enum Answer { case failure(Failure), invalid, expired, sent(Sent, quota: (Int, Int)) }
        let answer = state.withLockedValue { s -> Answer in
            s.calls += 1
            if !s.failures.isEmpty { return .failure(s.failures.removeFirst()) }
            // Failures spread evenly: with 3 in ten, the calls numbered 0, 4 and 7 modulo ten fail, in turn with -32 and
            // HTTP 503 (nothing taken) and HTTP 504 after the message was taken (a gateway that gave up waiting).
            var takenThenFailed = false
            if s.failuresInTen > 0, (s.calls % 10) * s.failuresInTen % 10 < s.failuresInTen {
                switch (s.calls / 10 + s.calls % 10) % 3 {
                case 0:
                    s.failedBeforeTaking += 1
                    return .failure(.code(-32))
                case 1:
                    s.failedBeforeTaking += 1
                    return .failure(.status(.serviceUnavailable))
                default:
                    s.failedAfterTaking += 1
                    takenThenFailed = true
                }
            }
            guard s.accessTokens.contains(token) else { return .invalid }
            guard !s.expired.contains(token) else { return .expired }
            let recipient = endpoint == "cs" ? ((body["recipient"] as? [String: Any])?["user_id"] as? String ?? "") : (body["phone"] as? String ?? "")
            if endpoint == "cs", s.outsideWindow.contains(recipient) { return .failure(.code(-230)) }
            let text = endpoint == "cs" ? ((body["message"] as? [String: Any])?["text"] as? String ?? "")
                : ((body["template_data"] as? [String: String]) ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            let sent = Sent(endpoint: endpoint, recipient: recipient, text: text, trackingID: body["tracking_id"] as? String,
                            messageID: "msg-\(s.sent.count + 1)", time: Int(s.now().timeIntervalSince1970 * 1000))
            s.sent.append(sent)
            if takenThenFailed { return .failure(.status(.gatewayTimeout)) }
            return .sent(sent, quota: (s.dailyQuota, s.dailyQuota - s.sent.filter { $0.endpoint == "template" }.count))
        }
        switch answer {
        case let .failure(.status(status)): return Response(status: status)
        case let .failure(.code(code)): return try json(["error": code, "message": "Fake failure"])
        case .invalid: return try json(["error": -216, "message": "Access token is invalid"])
        case .expired: return try json(["error": -220, "message": "Access token has expired"])
        case let .sent(sent, quota):
            var data: [String: Any] = ["msg_id": sent.messageID, "sent_time": "\(Int(Date().timeIntervalSince1970 * 1000))"]
            if endpoint == "template" { data["quota"] = ["dailyQuota": "\(quota.0)", "remainingQuota": "\(quota.1)"] }
            return try json(["error": 0, "message": "Success", "data": data])
        }
    }
}
