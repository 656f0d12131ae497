/// Flag bits of a connection entry (reference §4.1). Kernel values where the kernel has them;
/// `inUse` is our own (the slot holds a live entry).
struct ConnectionFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt16
    init(rawValue: UInt16) { self.rawValue = rawValue }

    static let forwardingMask: UInt16 = 0x0007
    /// Created by the connection synchronisation daemon on a backup (reference §4.1, §7.5).
    static let sync = ConnectionFlags(rawValue: 0x0020)
    /// Our own (a bit the kernel leaves unused): the template's identity includes
    /// persistence-engine data, kept in the table's side table (reference §4.14). Never synced
    /// as a flag: the record carries the data itself.
    static let persistenceData = ConnectionFlags(rawValue: 0x0010)
    /// Our own (a bit the kernel leaves unused): an application helper keeps state for the
    /// entry in the table's side table (sequence adjustment, the helper's own byte; reference
    /// §4.1 `in_seq`/`out_seq`, §6). Never synced as a flag.
    static let helperState = ConnectionFlags(rawValue: 0x0008)
    static let hashed = ConnectionFlags(rawValue: 0x0040)
    static let noOutput = ConnectionFlags(rawValue: 0x0080)
    static let inactive = ConnectionFlags(rawValue: 0x0100)
    /// Server → client segments are sequence-adjusted (`IP_VS_CONN_F_OUT_SEQ`, reference §6).
    static let outSequence = ConnectionFlags(rawValue: 0x0200)
    /// Client → server segments are sequence-adjusted (`IP_VS_CONN_F_IN_SEQ`).
    static let inSequence = ConnectionFlags(rawValue: 0x0400)
    /// Client port not known yet (stored 0): an FTP passive data entry waiting for the client's
    /// SYN (reference §4.2, §6), made by the helper or received from a master.
    static let noClientPort = ConnectionFlags(rawValue: 0x0800)
    static let template = ConnectionFlags(rawValue: 0x1000)
    static let onePacket = ConnectionFlags(rawValue: 0x2000)
    /// Our own: a proxy engine holds the entry while its sockets are open, so it is kept off
    /// the expiry wheel (docs/design/0006-engines-and-the-director.md).
    static let held = ConnectionFlags(rawValue: 0x4000)
    static let inUse = ConnectionFlags(rawValue: 0x8000)
}

/// One connection entry or persistence template, stored by value in the table's slab
/// (reference §4.1). Addresses are kept as two 64-bit halves with one family byte each, so an
/// entry holds three addresses in 48 bytes; links to other entries are slab indices (−1 = none).
///
/// The hash-key fields (protocol, client address and port) and the link fields belong to
/// `ConnectionTable`; the director changes the others (state, flags, timeout, control counts).
struct ConnectionEntry {
    var clientHigh: UInt64 = 0
    var clientLow: UInt64 = 0
    /// For firewall-mark templates: the mark in `virtualLow` (reference §4.7).
    var virtualHigh: UInt64 = 0
    var virtualLow: UInt64 = 0
    var destinationHigh: UInt64 = 0
    var destinationLow: UInt64 = 0
    /// Nanoseconds on the director's clock when the timer fires.
    var expiry: UInt64 = 0
    /// Next entry in the hash chain; for a free slot, the next free slot.
    var hashNext: Int32 = -1
    var timerNext: Int32 = -1
    /// Previous entry in the timer slot; `-1 - slot` for the first entry of a slot;
    /// `ConnectionTable.notArmed` when not on the wheel.
    var timerPrev: Int32 = ConnectionTable.notArmed
    /// The template controlling this entry, or −1.
    var control: Int32 = -1
    /// How many entries this one controls (templates).
    var controlledCount: Int32 = 0
    /// The real server's id in the director's `RealServerRegistry`, or −1.
    var server: Int32 = -1
    /// Seconds the entry lives after its last packet, per its current state.
    var timeout: UInt32 = ProtocolTimeouts.initial
    var generation: UInt32 = 0
    var flags: ConnectionFlags = []
    var clientPort: UInt16 = 0
    var virtualPort: UInt16 = 0
    var destinationPort: UInt16 = 0
    var protocolNumber: IPProtocolNumber = .tcp
    /// TCPState, SCTPState or the template state (0 NONE, 1 ASSURED) depending on the entry.
    var state: UInt8 = 0
    var family: AddressFamily = .inet
    var destinationFamily: AddressFamily = .inet
    // Connection synchronisation (reference §7.2, Director+SyncOutput.swift); 9 bytes, so the
    // stride grows from 104 to 112 bytes.
    /// Inbound packets counted while a master sync daemon runs (the kernel's `in_pkts`); a backup
    /// sets it to the sync threshold.
    var inPackets: UInt32 = 0
    /// The kernel's `sync_endtime`: the expiry the entry had when last synced, in milliseconds on
    /// the director's clock (wrapping, like 32-bit jiffies at HZ=1000); the low two bits count
    /// the refresh retries sent since.
    var syncEndTime: UInt32 = 0
    /// The state when the entry was last synced (`old_state`): a change is what forces a send.
    var oldState: UInt8 = 0

    static let templateAssured: UInt8 = 1

    var isTemplate: Bool { flags.contains(.template) }

    var forwarding: ForwardingMethod {
        ForwardingMethod(rawValue: UInt8(truncatingIfNeeded: flags.rawValue & ConnectionFlags.forwardingMask))
            ?? .directRouting
    }

    var clientAddress: IPAddress { Self.address(family, clientHigh, clientLow) }
    var virtualAddress: IPAddress { Self.address(family, virtualHigh, virtualLow) }
    var destinationAddress: IPAddress { Self.address(destinationFamily, destinationHigh, destinationLow) }

    static func address(_ family: AddressFamily, _ high: UInt64, _ low: UInt64) -> IPAddress {
        switch family {
        case .inet: return IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
        case .inet6: return IPAddress(ipv6High: high, low: low)
        }
    }
}
