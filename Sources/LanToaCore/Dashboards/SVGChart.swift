import Foundation

/// Charts drawn on the server as inline SVG, so reports read without JavaScript and need no external assets.
///
/// Every element carries a CSS class (`chart-line`, `chart-target`, `chart-bar`, `chart-axis`, `chart-label`) for the
/// stylesheet to restyle, plus presentation attributes so the chart still renders sensibly unstyled. Negative and
/// non-finite values are drawn as zero, so no coordinate is ever NaN or infinite.
public enum SVGChart {
    /// One value of a line chart, labelled for the x axis (e.g. a day).
    public struct Point: Sendable {
        /// The x-axis label, e.g. `01/07`.
        public var label: String
        /// The plotted value; negative or non-finite values are drawn as zero.
        public var value: Double

        /// Creates a point.
        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    /// One row of a bar chart, with an optional target drawn as a tick mark across the bar.
    public struct Bar: Sendable {
        /// The row label, shown left of the bar.
        public var label: String
        /// The bar's length; negative or non-finite values are drawn as zero.
        public var value: Double
        /// Where the target tick mark goes, if there is a target.
        public var target: Double?

        /// Creates a bar.
        public init(label: String, value: Double, target: Double?) {
            self.label = label
            self.value = value
            self.target = target
        }
    }

    /// A line chart of `points` in order (e.g. cumulative actual by day), with an optional horizontal dashed target line.
    /// `<svg>` with role="img", viewBox, width="100%", a <title> (escaped), an accessible <desc> summary, y axis with 3–5
    /// round ticks (0 … max(max value, target) rounded up to a nice number), first and last x labels, a polyline.
    public static func line(title: String, points: [Point], target: Double?, width: Int = 640, height: Int = 220,
                            describe: (Summary) -> String = english) -> String {
        let width = Double(max(width, 160))
        let height = Double(max(height, 100))
        guard !points.isEmpty else { return empty(title: title, width: width, desc: describe(.empty)) }

        let values = points.map { clamped($0.value) }
        let target = target.flatMap { $0.isFinite ? max($0, 0) : nil }
        let scale = Scale(maximum: max(values.max() ?? 0, target ?? 0))

        let tickLabels = scale.ticks.map(tickLabel)
        let longest = tickLabels.map(\.count).max() ?? 1
        let left = max(32, Double(longest) * charWidth + 10)
        let right = 16.0, top = 12.0, bottom = 26.0
        let plotLeft = left, plotRight = width - right
        let plotTop = top, plotBottom = height - bottom

        func x(_ index: Int) -> Double {
            values.count == 1
                ? (plotLeft + plotRight) / 2
                : plotLeft + Double(index) * (plotRight - plotLeft) / Double(values.count - 1)
        }
        func y(_ value: Double) -> Double {
            plotBottom - value / scale.top * (plotBottom - plotTop)
        }

        let lastValue = values[values.count - 1]
        let desc = describe(.line(points: values.count, first: points[0].label, last: points[points.count - 1].label,
                                  lastValue: valueLabel(lastValue), highest: valueLabel(values.max() ?? 0), target: target.map(valueLabel),
                                  reached: target.flatMap { $0 > 0 ? valueLabel((lastValue / $0 * 1000).rounded() / 10) : nil }))

        var svg = open(title: title, desc: desc, width: width, height: height)
        // y axis: grid lines and tick labels
        for (tick, label) in zip(scale.ticks, tickLabels) {
            let ty = y(tick)
            svg += ##"<line class="chart-axis" x1="\##(n(plotLeft))" y1="\##(n(ty))" x2="\##(n(plotRight))" y2="\##(n(ty))" stroke="#d0d7de" stroke-width="1"/>"##
            svg += ##"<text class="chart-label" x="\##(n(plotLeft - 6))" y="\##(n(ty + 4))" text-anchor="end" fill="#57606a">\##(label)</text>"##
        }
        svg += ##"<line class="chart-axis" x1="\##(n(plotLeft))" y1="\##(n(plotTop))" x2="\##(n(plotLeft))" y2="\##(n(plotBottom))" stroke="#8c959f" stroke-width="1"/>"##
        svg += ##"<line class="chart-axis" x1="\##(n(plotLeft))" y1="\##(n(plotBottom))" x2="\##(n(plotRight))" y2="\##(n(plotBottom))" stroke="#8c959f" stroke-width="1"/>"##

        // x axis: first and last labels only, so long series stay legible
        let labelY = n(height - 8)
        if values.count == 1 {
            svg += ##"<text class="chart-label" x="\##(n(x(0)))" y="\##(labelY)" text-anchor="middle" fill="#57606a">\##(escape(points[0].label))</text>"##
        } else {
            svg += ##"<text class="chart-label" x="\##(n(plotLeft))" y="\##(labelY)" text-anchor="start" fill="#57606a">\##(escape(points[0].label))</text>"##
            svg += ##"<text class="chart-label" x="\##(n(plotRight))" y="\##(labelY)" text-anchor="end" fill="#57606a">\##(escape(points[points.count - 1].label))</text>"##
        }

        if let target {
            let ty = y(target)
            svg += ##"<line class="chart-target" x1="\##(n(plotLeft))" y1="\##(n(ty))" x2="\##(n(plotRight))" y2="\##(n(ty))" stroke="#cf222e" stroke-width="1.5" stroke-dasharray="6 4"/>"##
            svg += ##"<text class="chart-label" x="\##(n(plotRight))" y="\##(n(max(ty - 4, 10)))" text-anchor="end" fill="#cf222e">\##(valueLabel(target))</text>"##
        }

        let coordinates = values.indices.map { "\(n(x($0))),\(n(y(values[$0])))" }.joined(separator: " ")
        svg += ##"<polyline class="chart-line" points="\##(coordinates)" fill="none" stroke="#0969da" stroke-width="2" stroke-linejoin="round"/>"##
        // Marks the latest value, and makes a single point visible at all.
        let lastIndex = values.count - 1
        svg += ##"<circle class="chart-line" cx="\##(n(x(lastIndex)))" cy="\##(n(y(lastValue)))" r="3" fill="#0969da"/>"##
        return svg + "</svg>"
    }

    /// A small trend line for a card (no axes, no labels): decorative, since the card states the figures in words, so it
    /// is hidden from screen readers. Values are scaled from zero to the highest (or the target, drawn dashed).
    public static func sparkline(_ values: [Double], target: Double? = nil, width: Int = 120, height: Int = 32) -> String {
        let width = Double(max(width, 20)), height = Double(max(height, 10))
        let points = values.map(clamped)
        let top = max(points.max() ?? 0, target.flatMap { $0.isFinite ? max($0, 0) : nil } ?? 0)
        func y(_ v: Double) -> Double { top > 0 ? height - 2 - v / top * (height - 4) : height - 2 }
        func x(_ i: Int) -> Double { points.count < 2 ? width / 2 : Double(i) * width / Double(points.count - 1) }
        var svg = ##"<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(n(width)) \##(n(height))" width="\##(n(width))" height="\##(n(height))" aria-hidden="true" focusable="false">"##
        if let target, target.isFinite, target > 0 {
            svg += ##"<line class="chart-target" x1="0" y1="\##(n(y(target)))" x2="\##(n(width))" y2="\##(n(y(target)))" stroke="#cf222e" stroke-width="1" stroke-dasharray="3 3"/>"##
        }
        if !points.isEmpty {
            let coordinates = points.indices.map { "\(n(x($0))),\(n(y(points[$0])))" }.joined(separator: " ")
            svg += ##"<polyline class="chart-line" points="\##(coordinates)" fill="none" stroke="#0969da" stroke-width="2" stroke-linejoin="round"/>"##
        }
        return svg + "</svg>"
    }

    /// A horizontal bar chart (one row per bar, label on the left, value label at the bar's end, a thin tick mark at the
    /// target when there is one); height grows with the number of bars (e.g. 22 px per bar + margins).
    public static func bars(title: String, bars: [Bar], width: Int = 640, describe: (Summary) -> String = english) -> String {
        let width = Double(max(width, 200))
        guard !bars.isEmpty else { return empty(title: title, width: width, desc: describe(.empty)) }

        let values = bars.map { clamped($0.value) }
        let targets = bars.map { $0.target.flatMap { $0.isFinite ? max($0, 0) : nil } }
        let maximum = max(values.max() ?? 0, targets.compactMap { $0 }.max() ?? 0)
        let scaleTop = maximum > 0 ? maximum : 1

        let rowHeight = 22.0, margin = 8.0
        let labelWidth = min(width * 0.35, 180)
        let valueWidth = 60.0
        let barLeft = labelWidth
        let barSpan = width - labelWidth - valueWidth
        let height = margin * 2 + rowHeight * Double(bars.count)
        let maxLabelChars = max(3, Int((labelWidth - 8) / charWidth))

        let highest = values.indices.max(by: { values[$0] < values[$1] })
        let withTarget = zip(values, targets).compactMap { value, target in target.map { (value, $0) } }
        let desc = describe(.bars(rows: bars.count, highest: highest.map { bars[$0].label }, highestValue: highest.map { valueLabel(values[$0]) },
                                  reached: withTarget.filter { $0.0 >= $0.1 }.count, withTarget: withTarget.count))

        var svg = open(title: title, desc: desc, width: width, height: height)
        for (index, bar) in bars.enumerated() {
            let rowTop = margin + Double(index) * rowHeight
            let textY = n(rowTop + rowHeight / 2 + 4)
            let barWidth = values[index] / scaleTop * barSpan
            var summary = "\(bar.label): \(valueLabel(values[index]))"
            if let target = targets[index] { summary += " / \(valueLabel(target))" }

            svg += "<g><title>\(escape(summary))</title>"
            svg += ##"<text class="chart-label" x="\##(n(labelWidth - 8))" y="\##(textY)" text-anchor="end" fill="#24292f">\##(escape(truncated(bar.label, to: maxLabelChars)))</text>"##
            svg += ##"<rect class="chart-bar" x="\##(n(barLeft))" y="\##(n(rowTop + 3))" width="\##(n(barWidth))" height="\##(n(rowHeight - 6))" fill="#0969da"/>"##
            svg += ##"<text class="chart-label" x="\##(n(barLeft + barWidth + 4))" y="\##(textY)" text-anchor="start" fill="#24292f">\##(valueLabel(values[index]))</text>"##
            if let target = targets[index] {
                let tx = n(barLeft + target / scaleTop * barSpan)
                svg += ##"<line class="chart-target" x1="\##(tx)" y1="\##(n(rowTop + 1))" x2="\##(tx)" y2="\##(n(rowTop + rowHeight - 1))" stroke="#cf222e" stroke-width="2"/>"##
            }
            svg += "</g>"
        }
        svg += ##"<line class="chart-axis" x1="\##(n(barLeft))" y1="\##(n(margin))" x2="\##(n(barLeft))" y2="\##(n(height - margin))" stroke="#8c959f" stroke-width="1"/>"##
        return svg + "</svg>"
    }
}

// MARK: - Descriptions

extension SVGChart {
    /// What a chart's accessible description (`<desc>`) says, for the caller to word in the reader's language; values
    /// come formatted as the chart labels them.
    public enum Summary: Sendable, Equatable {
        /// A line chart: its number of points, first and last labels, last and highest values, and the target with the
        /// percentage of it reached (when the target is above zero).
        case line(points: Int, first: String, last: String, lastValue: String, highest: String, target: String?, reached: String?)
        /// A bar chart: its number of rows, the highest row and its value, and how many of the rows with a target reached it.
        case bars(rows: Int, highest: String?, highestValue: String?, reached: Int, withTarget: Int)
        /// Nothing to draw.
        case empty
    }

    /// The description in English.
    public static func english(_ summary: Summary) -> String {
        switch summary {
        case let .line(count, first, last, lastValue, highest, target, reached):
            var desc = "Line chart of \(count) \(count == 1 ? "point" : "points")"
            desc += count == 1 ? " at \(first)" : " from \(first) to \(last)"
            desc += ". Last value \(lastValue); highest \(highest)."
            if let target {
                desc += " Target \(target)"
                if let reached { desc += ", \(reached)% reached" }
                desc += "."
            }
            return desc
        case let .bars(rows, highest, highestValue, reached, withTarget):
            var desc = "Bar chart of \(rows) \(rows == 1 ? "row" : "rows")."
            if let highest, let highestValue { desc += " Highest: \(highest) (\(highestValue))." }
            if withTarget > 0 { desc += " \(reached) of \(withTarget) reached the target." }
            return desc
        case .empty:
            return "Nothing to draw: no data."
        }
    }
}

// MARK: - Drawing helpers

extension SVGChart {
    /// Rough advance of one character at the default 11 px sans-serif, for sizing margins and truncating labels.
    private static let charWidth = 6.5

    private static func open(title: String, desc: String, width: Double, height: Double) -> String {
        ##"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \##(n(width)) \##(n(height))" width="100%" font-family="sans-serif" font-size="11">"##
            + "<title>\(escape(title))</title><desc>\(escape(desc))</desc>"
    }

    private static func empty(title: String, width: Double, desc: String) -> String {
        let height = 40.0
        return open(title: title, desc: desc, width: width, height: height)
            + ##"<text class="chart-label" x="\##(n(width / 2))" y="24" text-anchor="middle" fill="#57606a">–</text></svg>"##
    }

    private static func clamped(_ value: Double) -> Double {
        value.isFinite ? max(value, 0) : 0
    }

    /// A coordinate: plain ASCII digits, at most one decimal, never an exponent.
    private static func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(format: "%.1f", rounded)
    }

    /// A value shown to people: integers as integers, anything else with one decimal, no grouping, no exponent.
    private static func valueLabel(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded() {
            return abs(value) < 9e18 ? String(Int64(value)) : String(format: "%.0f", value)
        }
        let oneDecimal = String(format: "%.1f", value)
        return oneDecimal == "-0.0" ? "0.0" : oneDecimal
    }

    /// A y-axis tick: as many decimals as the step needs (up to four), trailing zeros dropped.
    private static func tickLabel(_ value: Double) -> String {
        if value == value.rounded() { return valueLabel(value) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func truncated(_ label: String, to limit: Int) -> String {
        label.count <= limit ? label : String(label.prefix(limit - 1)) + "…"
    }

    /// Escapes the five XML special characters and drops control characters XML 1.0 cannot carry.
    private static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The y axis of a line chart: 0 up to a round number at or above the maximum, in 3–4 equal round steps.
    private struct Scale {
        var ticks: [Double]
        var top: Double

        init(maximum: Double) {
            guard maximum > 0, maximum.isFinite else {
                ticks = [0, 0.5, 1]
                top = 1
                return
            }
            // Smallest step of 1, 2, 2.5 or 5 × 10^k with at most four steps to reach the maximum; as consecutive
            // candidates differ by at most 2×, it also takes at least three steps.
            let raw = maximum / 4
            var magnitude = pow(10, (log10(raw)).rounded(.down))
            if magnitude * 10 <= raw { magnitude *= 10 }
            if magnitude > raw { magnitude /= 10 }
            var step = magnitude * 10
            for multiplier in [1, 2, 2.5, 5, 10] where multiplier * magnitude * 4 >= maximum {
                step = multiplier * magnitude
                break
            }
            let count = max(1, Int((maximum / step - 1e-9).rounded(.up)))
            ticks = (0...count).map { Double($0) * step }
            top = Double(count) * step
        }
    }
}
