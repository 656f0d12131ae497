import Glibc
import LVSCore

/// The available memory as IPVS's defences count it (reference §4.12: free pages + buffer
/// pages): `MemFree` + `Buffers` of /proc/meminfo, in pages. Read once a second at most, and
/// only while a defence strategy is in an automatic mode.
final class ProcMemoryInfo: AvailableMemoryReading {
    private let path: String
    private let pageKiB: UInt64

    init(path: String = "/proc/meminfo") {
        self.path = path
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        pageKiB = pageSize >= 1024 ? UInt64(pageSize) / 1024 : 4
    }

    func availablePages() -> UInt64? {
        guard let text = Self.contents(of: path) else { return nil }
        return Self.availablePages(in: text, pageKiB: pageKiB)
    }

    /// `MemFree` + `Buffers` (kB) of a meminfo text, in pages of `pageKiB`; nil when either is missing.
    static func availablePages(in text: String, pageKiB: UInt64) -> UInt64? {
        var free: UInt64?
        var buffers: UInt64?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let value = UInt64(fields[1]) else { continue }
            switch fields[0] {
            case "MemFree:": free = value
            case "Buffers:": buffers = value
            default: continue
            }
        }
        guard let free, let buffers, pageKiB > 0 else { return nil }
        return (free + buffers) / pageKiB
    }

    private static func contents(of path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16384)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: bytes.prefix(count), as: UTF8.self)
    }
}
