import LVSCore

/// What `getAnnouncements` answers: the VIPs this director announces through its BGP speaker
/// (`lvsadm --announcements`; docs/design/0029-bgp-announcements.md).
public struct AnnouncementReport: Sendable, Hashable, Codable {
    /// False when the configuration has no `bgp_announce` block.
    public var running: Bool
    /// The speaker driven, `bird`.
    public var speaker: String?
    public var includeFile: String?
    public var controlSocket: String?
    /// BIRD's process id when lvsd supervises it (`bird_command`).
    public var supervisedProcess: Int?
    /// Sorted by address.
    public var addresses: [AnnouncedAddress]

    public init(
        running: Bool, speaker: String? = nil, includeFile: String? = nil, controlSocket: String? = nil,
        supervisedProcess: Int? = nil, addresses: [AnnouncedAddress] = []
    ) {
        self.running = running
        self.speaker = speaker
        self.includeFile = includeFile
        self.controlSocket = controlSocket
        self.supervisedProcess = supervisedProcess
        self.addresses = addresses
    }
}

/// One VIP's announcement.
public struct AnnouncedAddress: Sendable, Hashable, Codable {
    public var address: IPAddress
    /// What lvsd decided.
    public var announced: Bool
    /// Whether the speaker has taken that decision (its `configure` succeeded).
    public var acceptedBySpeaker: Bool
    /// Why it is announced or not, e.g. `no quorum in 192.0.2.10 443`.
    public var reason: String
    /// The `virtual_server` blocks serving the VIP.
    public var virtualServers: [String]

    public init(
        address: IPAddress, announced: Bool, acceptedBySpeaker: Bool, reason: String, virtualServers: [String]
    ) {
        self.address = address
        self.announced = announced
        self.acceptedBySpeaker = acceptedBySpeaker
        self.reason = reason
        self.virtualServers = virtualServers
    }
}
