import LVSCore

/// `virtual_server_group NAME { … }`: addresses and marks that share one set of real servers
/// and checkers; each entry becomes one virtual service per address (reference §8.2).
public struct VirtualServerGroup: Sendable, Hashable {
    public var name: String
    public var location: ConfigurationLocation
    public var entries: [Entry]

    public enum Entry: Sendable, Hashable {
        /// `first-last [port]`: every address from `first` to `last` (equal for a single address).
        case addressRange(first: IPAddress, last: IPAddress, port: UInt16)
        /// `fwmark N [inet|inet6]`.
        case firewallMark(UInt32, family: AddressFamily?)
    }

    public init(name: String, location: ConfigurationLocation, entries: [Entry] = []) {
        self.name = name
        self.location = location
        self.entries = entries
    }
}
