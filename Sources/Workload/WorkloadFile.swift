import Foundation

/// A file opened for writing a workload, written in large blocks.
final class WorkloadFile {
    /// How many bytes are collected before each write.
    static let bufferSize = 4 << 20

    private let descriptor: Int32
    let path: String

    /// Creates (or truncates) `path`.
    init(creating path: String) throws(WorkloadError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw WorkloadError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes all of `bytes`.
    func append(_ bytes: [UInt8]) throws(WorkloadError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw WorkloadError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Closes the file.
    func finish() { close(descriptor) }
}

/// Why a workload could not be written.
public enum WorkloadError: Error, CustomStringConvertible {
    /// The file could not be created or written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): "cannot write workload \(path): \(reason)"
        }
    }
}
