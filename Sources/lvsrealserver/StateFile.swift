import Foundation

/// What `prepare` changed, so that `undo` can put it back: the addresses it added and the
/// value each sysctl had before it was first changed. A small text file, one entry per line:
///
///     # lvs-realserver state: what prepare changed, for undo
///     address 207.175.44.110/32 lo
///     sysctl net/ipv4/conf/all/arp_ignore 0
///
/// The default lives under /run (emptied at boot, like the settings it records). /run is shared
/// by all network namespaces while addresses and net sysctls are per namespace, so give each
/// namespace its own `--state-file`.
struct StateFile: Equatable, Sendable {
    static let defaultPath = "/run/lvs-realserver/state"

    struct AddedAddress: Hashable, Sendable {
        var vip: VirtualAddress
        var device: String
    }

    var addresses: [AddedAddress] = []
    /// Original values, in the order first changed.
    var originalValues: [(sysctl: Sysctl, value: String)] = []

    static func == (lhs: StateFile, rhs: StateFile) -> Bool {
        lhs.addresses == rhs.addresses && lhs.originalValues.map(\.sysctl) == rhs.originalValues.map(\.sysctl)
            && lhs.originalValues.map(\.value) == rhs.originalValues.map(\.value)
    }

    var isEmpty: Bool { addresses.isEmpty && originalValues.isEmpty }

    /// Records an address prepare added (once).
    mutating func recordAdded(_ vip: VirtualAddress, device: String) {
        let entry = AddedAddress(vip: vip, device: device)
        if !addresses.contains(entry) { addresses.append(entry) }
    }

    /// Records a sysctl's value before prepare changed it. A second prepare keeps the first
    /// original: the value then current is prepare's own.
    mutating func recordOriginal(_ sysctl: Sysctl, value: String) {
        if !originalValues.contains(where: { $0.sysctl == sysctl }) { originalValues.append((sysctl, value)) }
    }

    /// The file's text.
    var text: String {
        var lines = ["# lvs-realserver state: what prepare changed, for undo"]
        for entry in addresses { lines.append("address \(entry.vip.cidr) \(entry.device)") }
        for entry in originalValues { lines.append("sysctl \(entry.sysctl.path) \(entry.value)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses the file's text; a line it does not understand is an error naming the line.
    init(parsing text: String) throws(HelperError) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(separator: " ")
            guard let keyword = words.first, !keyword.hasPrefix("#") else { continue }
            switch keyword {
            case "address" where words.count == 3:
                let host = words[1].split(separator: "/").first.map(String.init) ?? ""
                guard let vip = VirtualAddress(argument: host) else {
                    throw HelperError("state file line \(index + 1): bad address \(words[1])")
                }
                recordAdded(vip, device: String(words[2]))
            case "sysctl" where words.count >= 2:
                let value = words.dropFirst(2).joined(separator: " ")
                recordOriginal(Sysctl(path: String(words[1])), value: value)
            default:
                throw HelperError("state file line \(index + 1) not understood: \(line)")
            }
        }
    }

    init() {}

    /// Loads the file at `path`; an absent file is an empty state.
    static func load(from path: String) throws(HelperError) -> StateFile {
        guard FileManager.default.fileExists(atPath: path) else { return StateFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HelperError("cannot read the state file \(path)")
        }
        return try StateFile(parsing: String(decoding: data, as: UTF8.self))
    }

    /// Writes the file atomically (a temporary file renamed over it), creating its directory.
    func save(to path: String) throws(HelperError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw HelperError("cannot write the state file \(path): \(HelperError.cause(of: error))")
        }
    }

    /// Removes the file (after a complete undo).
    static func remove(at path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
