import LVSCore
import LVSSharedDirector

/// The daemon's shared director is what the packet engine takes (docs/design/0025): the lock
/// is taken at connection events and by the workers' traffic reports.
extension SharedDirector: PacketEngineDirector {
    public func withDirectorLocked<T: Sendable>(_ body: (Director) -> T) -> T { withDirector(body) }
}
