import Foundation

/// A buffered, thread-confined writer of lines to a file descriptor (a file, stdout or stderr).
final class LineWriter: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the pipeline's output stage); `lock` guards against misuse.
    private let lock = NSLock()
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let path: String
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20

    /// Opens `path` for writing (truncating), or wraps stdout for `-`.
    init(path: String, append: Bool = false) throws {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            let flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
            descriptor = open(path, flags, 0o644)
            guard descriptor >= 0 else { throw FileStageError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
            ownsDescriptor = true
        }
        buffer.reserveCapacity(flushThreshold + 65536)
    }

    /// Wraps an already open descriptor (stderr), which is not closed.
    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.ownsDescriptor = false
        self.path = name
    }

    /// Appends one line (a newline is added when missing).
    func write(line: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: line)
        if line.last != 0x0A { buffer.append(0x0A) }
        if buffer.count >= flushThreshold { try drain() }
    }

    /// Writes out everything buffered.
    func flush() throws {
        lock.lock()
        defer { lock.unlock() }
        try drain()
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        if ownsDescriptor { _ = Foundation.close(descriptor) }
    }

    private func drain() throws {
        var written = 0
        while written < buffer.count {
            let result = buffer.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw FileStageError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            written += result
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
