import LVSCore

/// What the driver must do after an event, in order. The state machine never does I/O.
public enum VRRPAction: Sendable, Hashable {
    /// Send this advertisement (its `priority` is the one to put on the wire: the effective
    /// priority, or 0 when resigning).
    case sendAdvertisement(VRRPAdvertisement)
    /// Add these addresses to the interface (becoming master).
    case addVirtualAddresses([IPAddress])
    /// Remove these addresses from the interface (leaving master).
    case removeVirtualAddresses([IPAddress])
    /// Send gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6) for each
    /// address, `repeatCount` times, `spacing` apart (keepalived `garp_interval`/`gna_interval`).
    case sendGratuitousAnnouncements(addresses: [IPAddress], repeatCount: Int, spacing: Duration)
    /// The instance changed state: log it and show it.
    case stateChanged(VRRPTransition)
    /// Run the notify scripts for a new state, in keepalived's order: `notify_<state>` first,
    /// then `notify` with `arguments`.
    case runNotify(VRRPNotification)
    /// Something an operator should see in the log; no state change.
    case report(VRRPAnomaly)
}

/// The data of one keepalived notification (vrrp_notify.c): the `notify_master|backup|fault|stop`
/// script of the state, then the generic `notify` script called with `arguments`.
public struct VRRPNotification: Sendable, Hashable {
    public enum Scope: String, Sendable, Hashable {
        case instance = "INSTANCE"
        case group = "GROUP"
    }

    public var scope: Scope
    /// The instance or sync group name.
    public var name: String
    public var state: VRRPState
    /// The instance's effective priority; 0 for a group, as keepalived passes it.
    public var priority: UInt8

    public init(scope: Scope, name: String, state: VRRPState, priority: UInt8) {
        self.scope = scope
        self.name = name
        self.state = state
        self.priority = priority
    }

    /// The generic notify script's extra arguments: `INSTANCE|GROUP name STATE priority`.
    public var arguments: [String] { [scope.rawValue, name, state.description, String(priority)] }
}

/// Log-worthy events that do not change state.
public enum VRRPAnomaly: Sendable, Hashable {
    /// An advert with our priority came from our own primary address (a loop or an address clash).
    case equalPriorityFromOwnAddress(IPAddress)
    /// Another router also claims to be the address owner (priority 255).
    case duplicateAddressOwner(IPAddress)
    /// We lowered our priority to 254 because another owner kept advertising.
    case ownerPriorityLowered(rival: IPAddress)
    /// As master we heard a lower-priority advert (keepalived's `notify_master_rx_lower_pri`).
    case lowerPriorityAdvertisementAsMaster(from: IPAddress, priority: UInt8)
}
