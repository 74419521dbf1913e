extension Duration {
    /// The duration in whole nanoseconds (event time, monotonic clocks), saturating at `Int64.max`.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflowed) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowedAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowed || overflowedAgain ? Int64.max : total
    }
}
