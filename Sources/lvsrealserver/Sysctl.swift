/// A kernel parameter under /proc/sys, named the way sysctl(8) names it.
struct Sysctl: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The path below /proc/sys, e.g. `net/ipv4/conf/all/arp_ignore`.
    let path: String

    init(path: String) { self.path = path }

    /// `net.ipv4.conf.<device>.<name>`; a dot inside a device name stays a dot in the path
    /// (sysctl(8) shows it as a slash), so the path is built from the parts, not the dotted name.
    static func ipv4Conf(_ device: String, _ name: String) -> Sysctl {
        Sysctl(path: "net/ipv4/conf/\(device)/\(name)")
    }

    /// The dotted name sysctl(8) uses: slashes become dots and dots become slashes.
    var name: String {
        String(
            path.map { character -> Character in
                switch character {
                case "/": "."
                case ".": "/"
                default: character
                }
            })
    }

    var description: String { name }

    static func < (lhs: Sysctl, rhs: Sysctl) -> Bool { lhs.path < rhs.path }
}
