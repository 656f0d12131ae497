import CLinuxNet
import Glibc

/// The XDP program attached to one interface through a BPF link (BPF_LINK_CREATE): the
/// program stays attached while the link's fd is open, so a daemon that dies leaves nothing
/// behind, and an interface that already has another program refuses the link (EBUSY)
/// instead of losing that program.
public final class XDPAttachment: Sendable {
    public let linkFD: Int32
    public let interfaceIndex: Int32

    /// Attaches `programFD` to `interfaceIndex` (the kernel chooses native mode where the
    /// driver has it, generic mode elsewhere).
    public init(programFD: Int32, interfaceIndex: Int32) throws(PacketEngineError) {
        let fd = clinuxxdp_link_create(programFD, interfaceIndex, 0)
        guard fd >= 0 else {
            let code = errno
            if code == EBUSY || code == EEXIST {
                throw .xdp("interface \(interfaceIndex) already has an XDP program (see `ip link show`)")
            }
            throw .fromErrno("BPF_LINK_CREATE (XDP) on interface \(interfaceIndex)", code)
        }
        linkFD = fd
        self.interfaceIndex = interfaceIndex
    }

    /// Detaches the program.
    public func detach() { close(linkFD) }
}
