import Foundation

/// A photo attached to a difficulty, kept without what a camera writes beside the picture: the EXIF block (with the
/// GPS position where the photo was taken), XMP, ICC profiles, comments and every other application segment. Only
/// JPEG is accepted: the phone app resizes every photo to a JPEG before it is sent. Whatever follows the end of the
/// picture (a second picture, a gain map, a motion-photo video, which may carry their own metadata) is dropped.
public enum JPEGMetadata {
    public enum Problem: Error, Equatable, Sendable {
        case notJPEG
        case truncated
    }

    /// The same picture with only the segments needed to draw it (APP0/JFIF, tables, frame, scan).
    public static func stripped(_ data: Data) throws(Problem) -> Data {
        let bytes = [UInt8](data)
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw .notJPEG }
        var out: [UInt8] = [0xFF, 0xD8]
        var i = 2
        while i < bytes.count {
            guard bytes[i] == 0xFF else { throw .truncated }
            // Fill bytes before a marker.
            var m = i + 1
            while m < bytes.count, bytes[m] == 0xFF { m += 1 }
            guard m < bytes.count else { throw .truncated }
            let marker = bytes[m]
            if marker == 0xD9 { out += [0xFF, 0xD9]; return Data(out) }
            // Markers without a length.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { out += [0xFF, marker]; i = m + 1; continue }
            guard m + 2 < bytes.count else { throw .truncated }
            let length = Int(bytes[m + 1]) << 8 | Int(bytes[m + 2])
            guard length >= 2, m + 1 + length <= bytes.count else { throw .truncated }
            let segment = bytes[(m + 1)..<(m + 1 + length)]
            if marker == 0xDA {
                // Start of scan: its header, then the picture's data up to the next marker that is neither a stuffed
                // byte (FF00) nor a restart marker; the loop goes on from there (a progressive picture has several scans).
                out += [0xFF, marker]
                out += segment
                var j = m + 1 + length
                while j < bytes.count {
                    if bytes[j] == 0xFF, j + 1 < bytes.count, bytes[j + 1] != 0x00, !(0xD0...0xD7).contains(bytes[j + 1]) { break }
                    j += 1
                }
                out += bytes[(m + 1 + length)..<j]
                i = j
                continue
            }
            let isMetadata = (0xE1...0xEF).contains(marker) || marker == 0xFE
            if !isMetadata { out += [0xFF, marker]; out += segment }
            i = m + 1 + length
        }
        throw .truncated
    }
}
