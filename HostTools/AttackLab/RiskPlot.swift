import Foundation

/// A plot of risk over time for a person to look at (issue 7 §7): one SVG per run, a line
/// per watched device (the attacked ones in colour, untouched ones grey), the attack windows
/// shaded, the re-key and quarantine thresholds dashed, verdicts marked.
public enum RiskPlot {
    public static func svg(_ record: LabRecord, rekeyThreshold: Double, quarantineThreshold: Double) -> String {
        let width = 900.0, height = 320.0, left = 50.0, right = 20.0, top = 30.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let duration = max(1, record.durationSeconds)
        func x(_ t: Double) -> Double { left + t / duration * plotW }
        func y(_ r: Double) -> Double { top + (1 - min(1, max(0, r))) * plotH }
        func f(_ v: Double) -> String { String((v * 10).rounded() / 10) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left))" y="18" font-size="13">rampart sim --scenario \(escape(record.scenario)) --seed \(record.seed): risk per device</text>

            """
        for (n, label) in record.labels.enumerated() {
            out += "<rect x=\"\(f(x(label.start)))\" y=\"\(f(top))\" width=\"\(f(x(label.end) - x(label.start)))\" height=\"\(f(plotH))\" fill=\"#fde2e2\" fill-opacity=\"0.6\"/>\n"
            out += "<text x=\"\(f(x(label.start) + 3))\" y=\"\(f(top + 12 + 13 * Double(n)))\" fill=\"#a33\">\(escape(label.attack.rawValue)) → \(label.target)</text>\n"
        }
        for (threshold, name) in [(rekeyThreshold, "re-key"), (quarantineThreshold, "quarantine")] {
            out += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(y(threshold)))\" y2=\"\(f(y(threshold)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
            out += "<text x=\"\(f(left + plotW - 60))\" y=\"\(f(y(threshold) - 3))\" fill=\"#666\">\(name)</text>\n"
        }
        out += "<line x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        for r in [0.0, 0.5, 1.0] { out += "<text x=\"\(f(left - 30))\" y=\"\(f(y(r) + 4))\">\(r)</text>\n" }
        let step = duration > 1800 ? 600.0 : duration > 600 ? 300.0 : 60.0
        var t = 0.0
        while t <= duration {
            out += "<text x=\"\(f(x(t) - 8))\" y=\"\(f(top + plotH + 16))\">\(Int(t))s</text>\n"
            t += step
        }
        let targets = Set(record.labels.map(\.target))
        let palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        var colour = 0
        for kid in record.risk.keys.sorted() {
            guard let series = record.risk[kid], !series.isEmpty else { continue }
            let stroke = targets.contains(kid) ? palette[colour % palette.count] : "#bbbbbb"
            if targets.contains(kid) { colour += 1 }
            let points = series.enumerated().map { "\(f(x(Double($0.offset + 1)))),\(f(y($0.element)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1.5\" points=\"\(points)\"><title>\(kid)</title></polyline>\n"
        }
        for verdict in record.decisions where verdict.cause == "rule" || verdict.cause == "risk" {
            out += "<circle cx=\"\(f(x(verdict.time)))\" cy=\"\(f(y(verdict.score)))\" r=\"3\" fill=\"black\"><title>\(escape(verdict.action)) \(escape(verdict.subject)): \(escape(verdict.reason))</title></circle>\n"
        }
        out += "</svg>\n"
        return out
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
