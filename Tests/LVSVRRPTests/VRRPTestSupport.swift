import LVSCore

@testable import LVSVRRP

/// 10.0.0.<last>.
func ipv4(_ last: UInt32) -> IPAddress { IPAddress(ipv4: 0x0A00_0000 | last) }

let vip = IPAddress(ipv4: 0xC0A8_0164)  // 192.168.1.100

func configuration(
    name: String = "VI_1", version: VRRPVersion = .v2, priority: UInt8 = 100, interval: UInt16 = 100,
    initialState: VRRPInitialState = .backup, preempt: Bool = true, preemptDelay: Duration = .zero,
    own: UInt32 = 1, tracked: [VRRPTrackedObject] = [], gratuitous: VRRPGratuitousSettings = .init(),
    lowerPriorityNoAdvert: Bool = false, higherPrioritySendAdvert: Bool = false
) -> VRRPInstanceConfiguration {
    VRRPInstanceConfiguration(
        name: name, version: version, virtualRouterID: 51, priority: priority,
        advertisementIntervalCentiseconds: interval, initialState: initialState, preempt: preempt,
        preemptDelay: preemptDelay, lowerPriorityNoAdvert: lowerPriorityNoAdvert,
        higherPrioritySendAdvert: higherPrioritySendAdvert, virtualAddresses: [vip], primaryAddress: ipv4(own),
        gratuitous: gratuitous, trackedObjects: tracked)
}

func advert(_ priority: UInt8, version: VRRPVersion = .v2, interval: UInt16 = 100) -> VRRPAdvertisement {
    VRRPAdvertisement(
        version: version, virtualRouterID: 51, priority: priority, intervalCentiseconds: interval, addresses: [vip])
}

/// Instant `ms` milliseconds after the origin.
func ms(_ milliseconds: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: milliseconds * 1_000_000) }

func us(_ microseconds: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: microseconds * 1000) }

extension Array where Element == VRRPAction {
    /// The states entered, in order.
    var transitions: [VRRPState] {
        compactMap { if case .stateChanged(let change) = $0 { return change.to } else { return nil } }
    }

    /// The priorities of the adverts sent, in order.
    var advertPriorities: [UInt8] {
        compactMap { if case .sendAdvertisement(let advert) = $0 { return advert.priority } else { return nil } }
    }

    var notifications: [VRRPNotification] {
        compactMap { if case .runNotify(let notification) = $0 { return notification } else { return nil } }
    }
}

/// A started backup instance (no transition left pending).
func startedBackup(_ configuration: VRRPInstanceConfiguration, at now: MonotonicInstant = .zero) -> VRRPInstance {
    var instance = VRRPInstance(configuration: configuration)
    _ = instance.start(now: now)
    return instance
}

/// An instance that has become master by its down timer, at the returned instant.
func startedMaster(_ configuration: VRRPInstanceConfiguration) -> (VRRPInstance, MonotonicInstant) {
    var instance = startedBackup(configuration)
    let deadline = instance.nextDeadline!
    _ = instance.timersFired(now: deadline)
    return (instance, deadline)
}
