/// The value of one of IPVS's defence strategies, `drop_entry`, `drop_packet` and `secure_tcp`
/// (reference §4.12, §10): the kernel's 0..3.
///
/// The two automatic values are one setting seen at two moments: 1 is "automatic, currently
/// off" and 2 "automatic, currently on"; the director moves between them once a second by the
/// available memory, as the kernel rewrites its sysctl. Setting 1 or 2 both mean "automatic".
public enum DefenceMode: UInt8, Sendable, Hashable, Codable, CaseIterable {
    /// 0: never active.
    case off = 0
    /// 1: automatic, currently off (switches to 2 when available memory falls below `amemthresh`).
    case automaticOff = 1
    /// 2: automatic, currently on (switches back to 1 when memory recovers).
    case automaticOn = 2
    /// 3: always active.
    case always = 3

    /// Whether the strategy acts now.
    public var isActive: Bool {
        switch self {
        case .off, .automaticOff: return false
        case .automaticOn, .always: return true
        }
    }

    /// The mode after one evaluation (the kernel's `update_defense_level`): automatic modes
    /// follow `lowMemory`, 0 and 3 never move.
    public func evaluated(lowMemory: Bool) -> DefenceMode {
        switch self {
        case .off, .always: return self
        case .automaticOff, .automaticOn: return lowMemory ? .automaticOn : .automaticOff
        }
    }
}

/// A new-connection rate limit (our addition, docs/design/0030-ipvs-defences.md): at most
/// `burst` new connections at once, refilled at `rate` per second.
public struct NewConnectionRateLimit: Sendable, Hashable, Codable {
    /// New connections per second, at least 1.
    public var rate: UInt32
    /// New connections allowed back to back after an idle period, at least 1.
    public var burst: UInt32

    public init(rate: UInt32, burst: UInt32) {
        self.rate = rate
        self.burst = burst
    }

    /// Parses `RATE` or `RATE:BURST` (the burst defaults to the rate), nil when malformed or 0.
    public init?(parsing text: Substring) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let rate = UInt32(parts[0]), rate > 0 else { return nil }
        var burst = rate
        if parts.count == 2 {
            guard let value = UInt32(parts[1]), value > 0 else { return nil }
            burst = value
        }
        self.init(rate: rate, burst: burst)
    }
}

/// IPVS's defence strategies and our own limits (reference §4.12, §10;
/// docs/design/0030-ipvs-defences.md), with the kernel's defaults.
public struct DefenceSettings: Sendable, Hashable, Codable {
    /// `drop_entry`: delete connection entries at random while memory is short.
    public var dropEntry: DefenceMode = .off
    /// `drop_packet`: drop one of every *rate* connection-starting packets.
    public var dropPacket: DefenceMode = .off
    /// `secure_tcp`: use the secure TCP state table (reference §4.6.3).
    public var secureTCP: DefenceMode = .off
    /// `amemthresh`: pages of available memory below which the automatic modes turn on.
    public var memoryThresholdPages: UInt32 = 1024
    /// `am_droprate`: drop_packet's rate in mode 3.
    public var dropRate: UInt32 = 10
    /// Ours: most connection entries and templates at once; 0 = no limit (the kernel's).
    public var maxConnectionEntries: UInt32 = 0
    /// Ours: new connections per virtual service (each service has its own bucket).
    public var serviceRateLimit: NewConnectionRateLimit?
    /// Ours: new connections per client address (IPv6: per /64).
    public var sourceRateLimit: NewConnectionRateLimit?
    /// Slots of the per-source rate table (rounded up to a power of two, at least 4); its
    /// memory is 16 bytes a slot whatever the number of sources.
    public var sourceRateSlots: UInt32 = 65536

    public init() {}

    /// The most slots `sourceRateSlots` may ask for (64 MiB of table).
    public static let maximumSourceRateSlots: UInt32 = 1 << 22
}

/// Defence settings given in one place (the command line, or keepalived.conf's `global_defs`),
/// each nil when not given there; laid over the defaults or another source's values.
public struct DefenceSettingsOverrides: Sendable, Hashable {
    public var dropEntry: DefenceMode?
    public var dropPacket: DefenceMode?
    public var secureTCP: DefenceMode?
    public var memoryThresholdPages: UInt32?
    public var dropRate: UInt32?
    public var maxConnectionEntries: UInt32?
    public var serviceRateLimit: NewConnectionRateLimit?
    public var sourceRateLimit: NewConnectionRateLimit?
    public var sourceRateSlots: UInt32?

    public init() {}

    /// `base` with every value given here in its place.
    public func applied(to base: DefenceSettings) -> DefenceSettings {
        var result = base
        if let dropEntry { result.dropEntry = dropEntry }
        if let dropPacket { result.dropPacket = dropPacket }
        if let secureTCP { result.secureTCP = secureTCP }
        if let memoryThresholdPages { result.memoryThresholdPages = memoryThresholdPages }
        if let dropRate { result.dropRate = dropRate }
        if let maxConnectionEntries { result.maxConnectionEntries = maxConnectionEntries }
        if let serviceRateLimit { result.serviceRateLimit = serviceRateLimit }
        if let sourceRateLimit { result.sourceRateLimit = sourceRateLimit }
        if let sourceRateSlots { result.sourceRateSlots = sourceRateSlots }
        return result
    }
}
