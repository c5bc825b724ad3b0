import Foundation
import LanToaCore
import Testing

@Suite("UUID text")
struct UUIDTextTests {
    @Test("Parses and prints like Foundation, in either case, and refuses malformed text")
    func roundTrip() {
        for _ in 0..<2000 {
            let id = UUID()
            #expect(UUIDText.upper(id) == id.uuidString)
            #expect(UUIDText.parse(id.uuidString) == id)
            #expect(UUIDText.parse(id.uuidString.lowercased()) == id)
            #expect(UUIDText.parse(("|" + id.uuidString + "|").dropFirst().dropLast()) == id)
        }
        let good = "C31FE8F3-0E25-47C4-9FBC-C6343820DEBA"
        for bad in ["", "C31FE8F3-0E25-47C4-9FBC-C6343820DEB", good + "0", good.replacingOccurrences(of: "-", with: "_"),
                    "G31FE8F3-0E25-47C4-9FBC-C6343820DEBA", "C31FE8F30E2547C49FBCC6343820DEBA----"] {
            #expect(UUIDText.parse(bad) == nil, "\(bad)")
        }
    }
}
