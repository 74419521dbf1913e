import Foundation

/// A one-line progress report on standard error, rewritten in place about once a second:
/// `tripline: 1,204,332 events · 412,118 events/s · 35 alerts · 0 bad · lag 0.4 s`.
///
/// Only shown when standard error is a terminal, so logs and CI output stay clean.
struct ProgressLine {
    private let enabled: Bool
    private var lastPrint = Date()
    private var lastEvents = 0
    private var printed = false

    init(enabled: Bool = isatty(STDERR_FILENO) != 0) { self.enabled = enabled }

    mutating func update(_ report: RunReport, eventTimeLag: Double?) {
        guard enabled else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(lastPrint)
        guard elapsed >= 1 else { return }
        let rate = Int(Double(report.events - lastEvents) / elapsed)
        var line = "\r\u{1B}[Ktripline: \(report.events) events · \(rate) events/s · \(report.alerts) alerts · \(report.deadLetters) bad"
        if let eventTimeLag { line += String(format: " · lag %.1f s", eventTimeLag) }
        FileHandle.standardError.write(Data(line.utf8))
        lastPrint = now
        lastEvents = report.events
        printed = true
    }

    /// Clears the line before the final summary.
    func finish() {
        guard enabled, printed else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
