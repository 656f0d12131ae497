import ArgumentParser
import Glibc
import LVSControl
import LVSCore
import LVSDaemon
import LVSPacketEngine
import LVSProxy
import LVSSync
import Logging

// The command line's FTP and connection-sync options, turned into the daemon's settings.
extension LVSD {
    /// `--ftp-ports` as the daemon takes it (nil when not given).
    func ftpPortList() throws -> Set<UInt16>? {
        guard let ftpPorts else { return nil }
        if ftpPorts == "none" { return [] }
        var ports = Set<UInt16>()
        for part in ftpPorts.split(separator: ",", omittingEmptySubsequences: false) {
            guard let port = UInt16(part.trimmingCharacters(in: .whitespaces)), port > 1 else {
                throw ValidationError("--ftp-ports takes TCP ports above 1, comma-separated (e.g. 21,2121), or none")
            }
            ports.insert(port)
        }
        guard ports.count <= 8 else { throw ValidationError("--ftp-ports takes at most 8 ports (as ip_vs_ftp)") }
        return ports
    }

    /// `--sync-*` as the daemon takes them.
    func syncTuning() throws -> SyncTuning {
        var tuning = SyncTuning()
        guard let version = SyncProtocolVersion(rawValue: UInt8(clamping: syncVersion)), (0...1).contains(syncVersion)
        else { throw ValidationError("--sync-version takes 0 or 1") }
        tuning.version = version
        guard (1...64).contains(syncPorts) else { throw ValidationError("--sync-ports takes 1..64") }
        tuning.ports = syncPorts
        let parts = syncThreshold.split(separator: ",").compactMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts[1] == 0 || parts[0] < parts[1] else {
            throw ValidationError(
                "--sync-threshold takes THRESHOLD,PERIOD with THRESHOLD < PERIOD (or PERIOD 0), e.g. 3,50")
        }
        guard syncRefreshPeriod >= 0, (0...3).contains(syncRetries) else {
            throw ValidationError("--sync-refresh-period must not be negative and --sync-retries takes 0..3")
        }
        tuning.output = SyncOutputSettings(
            threshold: parts[0], period: parts[1], refreshPeriod: UInt32(syncRefreshPeriod),
            retries: UInt32(syncRetries), persistMode: syncPersistMode)
        if let syncKeyFile {
            guard let secret = Self.readFile(syncKeyFile), secret.count >= 16 else {
                throw ValidationError("--sync-key-file \(syncKeyFile): cannot read it, or it holds fewer than 16 bytes")
            }
            tuning.key = SyncTuning.key(secret: secret)
        }
        return tuning
    }

    /// The bytes of a small file (at most 64 KiB), nil when it cannot be read.
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 65536)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count >= 0 ? Array(bytes.prefix(count)) : nil
    }
}

extension LVSD {
    /// Where `lvsd --help` sends readers for more (issue 13: the help points to the docs).
    static let documentationPointer = """
        Documentation: man lvsd(8) and lvsadm(8); in the source tree docs/configuration.md (the \
        --config file), docs/lvsadm.md (the command line), docs/packet-engine.md, docs/vrrp.md, \
        docs/sync.md and docs/architecture.md. Try it first with `lvsd --demo`.
        """
}
