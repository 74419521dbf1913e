import Foundation

#if os(Linux)
private let currentProcess = RUSAGE_SELF.rawValue
#else
private let currentProcess = RUSAGE_SELF
#endif

/// What the running process has used: CPU time and memory, from `getrusage` and `/proc`.
enum ProcessResources {
    /// User plus system CPU seconds used by every thread of the process so far.
    static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(currentProcess, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The most memory this process image has had resident, in bytes.
    ///
    /// On Linux this is `VmHWM` from `/proc/self/status`: `ru_maxrss` survives `execve`, so a
    /// measuring child spawned by a larger parent would report the parent's size. Elsewhere it is
    /// `ru_maxrss`.
    static var peakResidentBytes: Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kilobytes = Int(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).dropLast(3)
               .trimmingCharacters(in: .whitespaces)) {
            return kilobytes * 1024
        }
        var usage = rusage()
        getrusage(currentProcess, &usage)
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }

    /// Memory resident now, in bytes (`/proc/self/statm`), or `nil` where there is no `/proc`.
    static var residentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
