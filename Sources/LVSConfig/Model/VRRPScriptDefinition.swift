/// `vrrp_script NAME { … }`: a command run periodically whose exit status is tracked by
/// instances and sync groups (`track_script`).
public struct VRRPScriptDefinition: Sendable, Hashable {
    public var name: String
    public var location: ConfigurationLocation
    /// `script "CMD ARGS"` and `user USER [GROUP]`.
    public var command: ScriptCommand?
    /// `interval S`; nil: 1 s.
    public var interval: Duration?
    /// `timeout S`; nil: the interval.
    public var timeout: Duration?
    /// `weight -253..253`; nil: 0 (a failure means FAULT).
    public var weight: Int16?
    /// `weight N reverse`: the weight applies while failing (positive) or OK (negative) instead.
    public var reverse: Bool = false
    /// `rise N`: successes in a row to become OK; nil: 1.
    public var rise: UInt32?
    /// `fall N`: failures in a row to become failed; nil: 1.
    public var fall: UInt32?
    /// `init_fail`: start in the failed state.
    public var initFail: Bool = false

    public init(name: String, location: ConfigurationLocation) {
        self.name = name
        self.location = location
    }
}
