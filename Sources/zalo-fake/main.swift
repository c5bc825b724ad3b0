import AsyncHTTPClient
import Foundation
import ZaloFake

// A local stand-in for Zalo's servers, for a trial of Lan Tỏa's Zalo channel without Zalo (docs/zalo.md):
//
//   swift run zalo-fake --port 8091 --province 20 --webhook http://127.0.0.1:8080/zalo/webhook/20
//
// It prints the LANTOA_ZALO_CONFIG file to give the server, then every message the server sends. Each line typed on
// its standard input is sent to the webhook as a user's text, signed as Zalo signs it: `<zalo user id> <text>`
// (`u-1 LT-123456` links the account whose page shows that code; `u-1 BC T11: SP 3` drafts a report).

/// Writes a line at once, also into a pipe or a file (where `print` would hold it in a buffer).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

var port = 8091
var province = "20"
var hook: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--port": port = Int(arguments.next() ?? "") ?? port
    case "--province": province = arguments.next() ?? province
    case "--webhook": hook = arguments.next()
    default:
        FileHandle.standardError.write(Data("usage: zalo-fake [--port 8091] [--province 20] [--webhook URL]\n".utf8))
        exit(2)
    }
}

let fake = try await FakeZalo.start(port: port)
let state = fake.state.withLockedValue { $0 }
say("""
    Fake Zalo on \(fake.baseURL). Save this as the file LANTOA_ZALO_CONFIG names, then start Lan Tỏa:
    {"endpoints": {"oauth": "\(fake.baseURL)", "openAPI": "\(fake.baseURL)", "business": "\(fake.baseURL)"},
     "provinces": {"\(province)": {"appId": "\(state.appID)", "appSecret": "\(state.appSecret)", "oaId": "oa-\(province)",
                                  "oaSecret": "\(state.oaSecret)", "refreshToken": "\(state.refreshToken)",
                                  "templates": {"notice": {"id": "100001", "parameters": ["name", "message"]}}}}}
    """)
if hook == nil { say("No --webhook given: typed lines are not sent.") }

let client = HTTPClient.shared
let printer = Task {
    var shown = 0
    while !Task.isCancelled {
        let sent = fake.sent
        for m in sent.dropFirst(shown) { say("→ \(m.endpoint) to \(m.recipient): \(m.text)") }
        shown = sent.count
        try? await Task.sleep(for: .seconds(1))
    }
}
while let line = readLine() {
    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
    guard parts.count == 2, let hook else { say("type: <zalo user id> <text>"); continue }
    do {
        let (status, body) = try await fake.webhook(hook, event: "user_send_text", from: parts[0], text: parts[1], client: client, timeout: .seconds(30))
        say("← webhook \(status.code): \(body)")
    } catch {
        say("← webhook failed: \(error)")
    }
}
printer.cancel()
try await fake.stop()
