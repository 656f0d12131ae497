/// The sequence-number adjustment of one direction of a masqueraded connection whose payload an
/// application helper rewrote (reference §6, §7.3 option SEQ_DATA): `initialSequence` is the
/// first sequence number after which `delta` applies; earlier segments use `previousDelta`.
public struct SequenceAdjustment: Sendable, Hashable {
    public var initialSequence: UInt32
    public var delta: UInt32
    public var previousDelta: UInt32

    public init(initialSequence: UInt32 = 0, delta: UInt32 = 0, previousDelta: UInt32 = 0) {
        self.initialSequence = initialSequence
        self.delta = delta
        self.previousDelta = previousDelta
    }
}

/// Connection-entry flag bits as the kernel numbers them on the sync wire (reference §4.1, §7.3):
/// the low three bits are the forwarding method, the rest are named below.
public struct SyncedConnectionFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The forwarding-method field (`IP_VS_CONN_F_FWD_MASK`).
    public static let forwardingMask: UInt32 = 0x0007
    public static let hashed = SyncedConnectionFlags(rawValue: 0x0040)
    public static let noOutput = SyncedConnectionFlags(rawValue: 0x0080)
    public static let inactive = SyncedConnectionFlags(rawValue: 0x0100)
    public static let outSequence = SyncedConnectionFlags(rawValue: 0x0200)
    public static let inSequence = SyncedConnectionFlags(rawValue: 0x0400)
    /// Both sequence bits (`IP_VS_CONN_F_SEQ_MASK`).
    public static let sequenceMask: SyncedConnectionFlags = [.outSequence, .inSequence]
    public static let noClientPort = SyncedConnectionFlags(rawValue: 0x0800)
    public static let template = SyncedConnectionFlags(rawValue: 0x1000)
    public static let onePacket = SyncedConnectionFlags(rawValue: 0x2000)
    /// Set by the backup on entries it created from sync messages.
    public static let sync = SyncedConnectionFlags(rawValue: 0x0020)

    /// The forwarding method in the low bits (`nil` for a value no method has).
    public var forwarding: ForwardingMethod? {
        ForwardingMethod(rawValue: UInt8(truncatingIfNeeded: rawValue & Self.forwardingMask))
    }

    public init(forwarding: ForwardingMethod, other: SyncedConnectionFlags = []) {
        self.init(rawValue: (other.rawValue & ~Self.forwardingMask) | UInt32(forwarding.rawValue & 0x7))
    }
}

/// One connection entry or persistence template as the connection synchronisation daemon carries
/// it between directors (reference §7): what a version 1 record holds, independent of the wire.
/// Version 0 records carry no timeout, firewall mark or persistence-engine data; they decode with
/// those fields at 0 / empty.
public struct SyncedConnection: Sendable, Hashable {
    /// `.ip` (0) only for firewall-mark templates.
    public var protocolNumber: IPProtocolNumber
    public var flags: SyncedConnectionFlags
    /// The protocol's state number (`TCPState` raw value for TCP); templates 0 NONE or 1 ASSURED.
    public var state: UInt16
    public var clientAddress: IPAddress
    public var clientPort: UInt16
    /// For firewall-mark templates, the mark as an IPv4 (or IPv6 with the mark in the last word)
    /// address, as the kernel sends it.
    public var virtualAddress: IPAddress
    public var virtualPort: UInt16
    public var destinationAddress: IPAddress
    public var destinationPort: UInt16
    public var firewallMark: UInt32
    /// The entry's current state timeout in seconds (not the time left); 0 = unknown (version 0).
    public var timeout: UInt32
    /// Present iff `flags` contains `.inSequence` / `.outSequence` respectively on the wire; the
    /// codec carries both together as one option.
    public var inSequence: SequenceAdjustment?
    public var outSequence: SequenceAdjustment?
    /// The persistence engine's data (SIP Call-ID, at most 255 bytes) and name (at most 15 bytes).
    public var persistenceData: [UInt8]
    public var persistenceEngine: String?

    public init(
        protocolNumber: IPProtocolNumber, flags: SyncedConnectionFlags, state: UInt16,
        clientAddress: IPAddress, clientPort: UInt16, virtualAddress: IPAddress, virtualPort: UInt16,
        destinationAddress: IPAddress, destinationPort: UInt16, firewallMark: UInt32 = 0, timeout: UInt32 = 0,
        inSequence: SequenceAdjustment? = nil, outSequence: SequenceAdjustment? = nil,
        persistenceData: [UInt8] = [], persistenceEngine: String? = nil
    ) {
        self.protocolNumber = protocolNumber
        self.flags = flags
        self.state = state
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.virtualAddress = virtualAddress
        self.virtualPort = virtualPort
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        self.firewallMark = firewallMark
        self.timeout = timeout
        self.inSequence = inSequence
        self.outSequence = outSequence
        self.persistenceData = persistenceData
        self.persistenceEngine = persistenceEngine
    }

    public var isTemplate: Bool { flags.contains(.template) }
}
