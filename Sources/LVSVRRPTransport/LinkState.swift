import CLinuxNet
import LVSPacket

/// An interface's state as rtnetlink reports it (`struct ifinfomsg` and its attributes), for
/// `track_interface` and for the MAC a gratuitous ARP carries.
public struct LinkState: Sendable, Hashable {
    public var interfaceIndex: Int32
    public var name: String
    /// IFF_* flags.
    public var flags: UInt32
    /// IFLA_OPERSTATE (RFC 2863: 6 is "up"), when reported.
    public var operationalState: UInt8?
    /// IFLA_ADDRESS, when it is an Ethernet address.
    public var mac: MACAddress?

    public init(
        interfaceIndex: Int32, name: String, flags: UInt32, operationalState: UInt8? = nil, mac: MACAddress? = nil
    ) {
        self.interfaceIndex = interfaceIndex
        self.name = name
        self.flags = flags
        self.operationalState = operationalState
        self.mac = mac
    }

    /// IFF_UP: administratively up.
    public var isUp: Bool { flags & CLINUXVRRP_IFF_UP != 0 }
    /// IFF_RUNNING: the kernel's operational "running" (carrier and operstate up).
    public var isRunning: Bool { flags & CLINUXVRRP_IFF_RUNNING != 0 }
    /// What keepalived's interface tracking calls up: IFF_UP and IFF_RUNNING.
    public var isUsable: Bool { isUp && isRunning }

    /// Parses one RTM_NEWLINK / RTM_DELLINK message.
    static func parse(_ message: NetlinkMessage) throws(NetlinkParseError) -> LinkState {
        let attributes = try message.attributes(after: 16)
        let fixed = message.payload
        let start = fixed.startIndex
        var mac: MACAddress?
        if let bytes = attributes[CLINUXVRRP_IFLA_ADDRESS], bytes.count == 6 {
            let b = Array(bytes)
            mac = MACAddress(b[0], b[1], b[2], b[3], b[4], b[5])
        }
        return LinkState(
            interfaceIndex: NetlinkMessage.read(Int32.self, fixed, start + 4),
            name: NetlinkMessage.string(attributes[CLINUXVRRP_IFLA_IFNAME]) ?? "",
            flags: NetlinkMessage.read(UInt32.self, fixed, start + 8),
            operationalState: NetlinkMessage.integer(UInt8.self, attributes[CLINUXVRRP_IFLA_OPERSTATE]), mac: mac)
    }

    /// `struct ifinfomsg`: family, type, index, flags and the mask of flags to change.
    static func header(index: Int32, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        [0, 0, 0, 0] + NetlinkRequest.bytes(of: index) + NetlinkRequest.bytes(of: flags)
            + NetlinkRequest.bytes(of: change)
    }
}

/// A change of one interface, from the RTNLGRP_LINK multicast group.
public struct LinkEvent: Sendable, Hashable {
    public var state: LinkState
    /// RTM_DELLINK: the interface is gone.
    public var removed: Bool

    public init(state: LinkState, removed: Bool) {
        self.state = state
        self.removed = removed
    }

    public var interfaceIndex: Int32 { state.interfaceIndex }
    /// Up for tracking: present, IFF_UP and IFF_RUNNING.
    public var isUp: Bool { !removed && state.isUsable }
}

/// Reads interface states (track_interface's first look, and the MAC for announcements).
public protocol LinkStateReading: Sendable {
    func linkState(interfaceIndex: Int32) throws(VRRPTransportError) -> LinkState
    func linkState(named name: String) throws(VRRPTransportError) -> LinkState
}

/// Tells of interface changes: the daemon polls `fileDescriptor` and calls `readEvents()`.
public protocol LinkEventSource: AnyObject, Sendable {
    var fileDescriptor: Int32 { get }
    func readEvents() throws(VRRPTransportError) -> [LinkEvent]
}
