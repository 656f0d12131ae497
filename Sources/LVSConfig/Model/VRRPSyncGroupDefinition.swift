/// `vrrp_sync_group NAME { group { I1 I2 … } … }`: instances that change state together.
public struct VRRPSyncGroupDefinition: Sendable, Hashable {
    public var name: String
    public var location: ConfigurationLocation
    /// The instances named in `group { … }`, in file order.
    public var members: [String] = []
    public var notify = VRRPNotifyScripts()
    public var trackedInterfaces: [VRRPTrackedInterface] = []
    public var trackedScripts: [VRRPTrackedScript] = []
    /// `sync_group_tracking_weight`: tracking weights of the members apply to the group.
    public var trackingWeight: Bool = false
    public var smtpAlert: Bool?

    public init(name: String, location: ConfigurationLocation) {
        self.name = name
        self.location = location
    }
}
