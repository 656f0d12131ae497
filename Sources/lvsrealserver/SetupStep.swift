/// One change `prepare` makes (or `undo` reverts), printed by `--dry-run` as the command that
/// does the same by hand.
enum SetupStep: Hashable, Sendable, CustomStringConvertible {
    /// `ip address add VIP/32 dev lo`: the host accepts packets for the VIP; on `lo` it never
    /// answers ARP for it (reference §5.2).
    case addAddress(VirtualAddress, device: String)
    case removeAddress(VirtualAddress, device: String)
    /// A write of `value` to /proc/sys/`sysctl.path`.
    case setSysctl(Sysctl, value: String)
    /// `ip link set dev X up` (the kernel's own tunl0 when the ipip module is present).
    case bringUp(device: String)

    var description: String {
        switch self {
        case .addAddress(let vip, let device): "ip address add \(vip.cidr) dev \(device)"
        case .removeAddress(let vip, let device): "ip address del \(vip.cidr) dev \(device)"
        case .setSysctl(let sysctl, let value): "sysctl -w \(sysctl.name)=\(value)"
        case .bringUp(let device): "ip link set dev \(device) up"
        }
    }
}
