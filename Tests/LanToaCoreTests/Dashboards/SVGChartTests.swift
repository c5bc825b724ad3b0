import Foundation
import LanToaCore
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Server-drawn SVG charts")
struct SVGChartTests {
    @Test("Titles and labels are XML-escaped")
    func escaping() throws {
        let svg = SVGChart.line(title: "Tiến độ <&> \"x\" 'y'", points: [.init(label: "<a>", value: 3)], target: nil)
        #expect(svg.contains("<title>Tiến độ &lt;&amp;&gt; &quot;x&quot; &apos;y&apos;</title>"))
        #expect(!svg.contains("<&>"))
        #expect(!svg.contains("<a>"))
        try expectWellFormed(svg)

        let bars = SVGChart.bars(title: "A & B", bars: [.init(label: "Xã <Đông>", value: 1, target: 2)])
        #expect(bars.contains("<title>A &amp; B</title>"))
        #expect(bars.contains("Xã &lt;Đông&gt;"))
        try expectWellFormed(bars)
    }

    @Test("Degenerate series never produce NaN or infinite coordinates", arguments: [
        [SVGChart.Point(label: "01/07", value: 0), .init(label: "02/07", value: 0)],
        [SVGChart.Point(label: "01/07", value: 5)],
        [SVGChart.Point(label: "01/07", value: -3), .init(label: "02/07", value: .nan), .init(label: "03/07", value: .infinity)],
    ])
    func noNaN(points: [SVGChart.Point]) throws {
        for target in [nil, 0, 10] as [Double?] {
            let svg = SVGChart.line(title: "t", points: points, target: target)
            let lower = svg.lowercased()
            #expect(!lower.contains("nan"))
            #expect(!lower.contains("inf"))
            #expect(!svg.contains("e+"))
            #expect(svg.contains("<polyline class=\"chart-line\""))
            try expectWellFormed(svg)
        }
        for target in [nil, 0, 10, .nan] as [Double?] {
            let spark = SVGChart.sparkline(points.map(\.value), target: target)
            #expect(!spark.lowercased().contains("nan") && !spark.lowercased().contains("inf"))
            #expect(spark.contains("aria-hidden=\"true\""))
            try expectWellFormed(spark)
        }
        let bars = SVGChart.bars(title: "t", bars: points.map { .init(label: $0.label, value: $0.value, target: 0) })
        #expect(!bars.lowercased().contains("nan"))
        #expect(!bars.lowercased().contains("inf"))
        try expectWellFormed(bars)
    }

    @Test("A line chart has an accessible summary, round y ticks, the first and last x labels and a target line")
    func lineParts() throws {
        let points = (1...10).map { SVGChart.Point(label: "\($0)/07", value: Double($0 * 90)) }
        let svg = SVGChart.line(title: "Lũy kế", points: points, target: 1000)
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("viewBox=\"0 0 640 220\""))
        #expect(svg.contains("width=\"100%\""))
        #expect(svg.contains("<desc>Line chart of 10 points from 1/07 to 10/07. Last value 900; highest 900. Target 1000, 90% reached.</desc>"))
        // The caller words the description in its reader's language from the same facts.
        var told: [SVGChart.Summary] = []
        let worded = SVGChart.line(title: "t", points: points, target: 1000) { told.append($0); return "Biểu đồ <đường>" }
        #expect(told == [.line(points: 10, first: "1/07", last: "10/07", lastValue: "900", highest: "900", target: "1000", reached: "90")])
        #expect(worded.contains("<desc>Biểu đồ &lt;đường&gt;</desc>"))
        let bars = SVGChart.bars(title: "t", bars: [.init(label: "Xã A", value: 5, target: 4), .init(label: "Xã B", value: 7, target: 9)]) {
            told.append($0); return "cột"
        }
        #expect(told.last == .bars(rows: 2, highest: "Xã B", highestValue: "7", reached: 1, withTarget: 2) && bars.contains("<desc>cột</desc>"))
        #expect(SVGChart.bars(title: "t", bars: []) { told.append($0); return "trống" }.contains("<desc>trống</desc>") && told.last == .empty)
        #expect(svg.contains(">1/07</text>"))
        #expect(svg.contains(">10/07</text>"))
        #expect(!svg.contains(">5/07</text>"))
        #expect(svg.contains("class=\"chart-target\""))
        #expect(svg.contains("stroke-dasharray"))
        // max(900, 1000) rounds up to 1000 in steps of 250.
        let ticks = try axisTicks(svg)
        #expect(ticks == ["0", "250", "500", "750", "1000"])
        try expectWellFormed(svg)
    }

    @Test("Y ticks are 3 to 5 round numbers reaching at least the maximum", arguments: [0.3, 1, 7, 99, 101, 1_234_567, 9_999_999_999])
    func ticks(maximum: Double) throws {
        let svg = SVGChart.line(title: "t", points: [.init(label: "a", value: 0), .init(label: "b", value: maximum)], target: nil)
        let ticks = try axisTicks(svg)
        #expect((3...5).contains(ticks.count))
        #expect(ticks.first == "0")
        #expect(ticks.allSatisfy { !$0.contains("e") && !$0.contains(",") })
        let top = try #require(ticks.last.flatMap(Double.init))
        #expect(top >= maximum)
        #expect(top <= maximum * 2)
    }

    @Test("One bar rectangle per bar, with a target tick only where there is a target")
    func barCount() throws {
        let bars = (0..<7).map { SVGChart.Bar(label: "Tổ \($0)", value: Double($0) * 12.5, target: $0.isMultiple(of: 2) ? 40 : nil) }
        let svg = SVGChart.bars(title: "Theo tổ", bars: bars)
        #expect(svg.components(separatedBy: "<rect class=\"chart-bar\"").count - 1 == 7)
        #expect(svg.components(separatedBy: "class=\"chart-target\"").count - 1 == 4)
        #expect(svg.contains(">12.5</text>"))
        #expect(svg.contains(">25</text>"))
        let taller = SVGChart.bars(title: "t", bars: bars + bars)
        #expect(try viewBoxHeight(taller) > viewBoxHeight(svg))
        try expectWellFormed(svg)
    }

    @Test("Empty input draws a small valid SVG that says there is nothing to draw")
    func empty() throws {
        for svg in [SVGChart.line(title: "t", points: [], target: 5), SVGChart.bars(title: "t", bars: [])] {
            #expect(svg.contains("<desc>Nothing to draw"))
            #expect(!svg.contains("<polyline"))
            #expect(!svg.contains("<rect"))
            try expectWellFormed(svg)
        }
    }
}

private func expectWellFormed(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let parser = XMLParser(data: Data(svg.utf8))
    let ok = parser.parse()
    #expect(ok, "not well-formed XML: \(String(describing: parser.parserError))\n\(svg)", sourceLocation: sourceLocation)
}

/// The y-axis tick labels of a line chart, bottom to top.
private func axisTicks(_ svg: String) throws -> [String] {
    let pattern = try NSRegularExpression(pattern: ##"<text class="chart-label" [^>]*text-anchor="end" fill="#57606a">([^<]*)</text>"##)
    let range = NSRange(svg.startIndex..., in: svg)
    return pattern.matches(in: svg, range: range).compactMap { match in
        Range(match.range(at: 1), in: svg).map { String(svg[$0]) }
    }.filter { Double($0) != nil }
}

private func viewBoxHeight(_ svg: String) throws -> Double {
    let pattern = try NSRegularExpression(pattern: #"viewBox="0 0 [0-9.]+ ([0-9.]+)""#)
    let match = try #require(pattern.firstMatch(in: svg, range: NSRange(svg.startIndex..., in: svg)))
    let range = try #require(Range(match.range(at: 1), in: svg))
    return try #require(Double(svg[range]))
}
