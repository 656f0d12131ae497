/// `bgp_announce { … }` (ours): the VIPs this director announces through a BGP speaker while
/// they are healthy, for active-active directors behind ECMP (docs/configuration.md §12,
/// docs/design/0029-bgp-announcements.md). BIRD 2 is the speaker lvsd drives.
public struct BGPAnnounceDefinition: Sendable, Hashable {
    /// How many of a VIP's virtual servers must have quorum for it to be announced.
    public enum Requirement: String, Sendable, Hashable {
        case all
        case any
    }

    /// `include_file PATH`: the file lvsd writes (BIRD's configuration includes it).
    public var includeFile: String
    /// `bird_socket PATH`: BIRD's control socket, where lvsd asks for `configure`.
    public var birdSocket: String = BGPAnnounceDefinition.defaultBirdSocket
    /// `protocol_name NAME`: the written static protocols are NAME4 and NAME6.
    public var protocolName: String = BGPAnnounceDefinition.defaultProtocolName
    /// `require all|any` (default all).
    public var requirement: Requirement = .all
    /// `bird_command "…"`: BIRD as lvsd's child, killed by the kernel when lvsd dies, so that
    /// its BGP sessions close and the routers withdraw this director's routes at once.
    public var birdCommand: String?
    public var location: ConfigurationLocation

    public static let defaultBirdSocket = "/run/bird/bird.ctl"
    public static let defaultProtocolName = "lvsd_vips"

    public init(includeFile: String, location: ConfigurationLocation) {
        self.includeFile = includeFile
        self.location = location
    }
}
