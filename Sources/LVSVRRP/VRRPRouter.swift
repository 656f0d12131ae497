import LVSCore

/// What the driver must do, from any instance, sync group or tracking script of a `VRRPRouter`.
public enum VRRPRouterAction: Sendable, Hashable {
    /// An instance's action (`VRRPAction`), with the instance's name.
    case instance(String, VRRPAction)
    /// A sync group's own state change or notification, with the group's name.
    case group(String, VRRPAction)
    /// Start a run of a `vrrp_script`; report its end with `scriptFinished`.
    case runScript(String, runNumber: UInt64)
    /// A run of a `vrrp_script` timed out: kill it.
    case terminateScript(String, runNumber: UInt64)
}

/// A `vrrp_sync_group` as the router needs it.
public struct VRRPSyncGroupConfiguration: Sendable, Hashable {
    public var name: String
    /// Member instance names, in order.
    public var members: [String]
    /// `sync_group_tracking_weight`.
    public var trackingWeight: Bool

    public init(name: String, members: [String], trackingWeight: Bool = false) {
        self.name = name
        self.members = members
        self.trackingWeight = trackingWeight
    }
}

/// Every VRRP instance of a configuration, standalone or in sync groups, with the scripts they
/// track: one pure machine the driver feeds events into by instance name and whose actions it
/// carries out in order (STYLE.md: events and `now` in, actions out).
///
/// Tracked objects are named `interface NAME` and `script NAME` in the instances'
/// configurations; `linkChanged` and script results reach every instance tracking them.
public struct VRRPRouter: Sendable {
    enum Unit: Sendable {
        case single(VRRPInstance)
        case group(VRRPSyncGroup)
    }

    var units: [Unit]
    /// Instance name → unit index.
    var unitIndex: [String: Int]
    public private(set) var scripts: [VRRPScriptTracker]

    /// - Parameters:
    ///   - instances: every instance; those named by a group run inside it.
    ///   - groups: the sync groups (an instance in none runs alone).
    ///   - scripts: the `vrrp_script`s some instance tracks.
    public init(
        instances: [VRRPInstanceConfiguration], groups: [VRRPSyncGroupConfiguration],
        scripts: [VRRPScriptTracker.Configuration], now: MonotonicInstant
    ) {
        var units: [Unit] = []
        var index: [String: Int] = [:]
        let byName = Dictionary(instances.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for group in groups {
            let members = group.members.compactMap { byName[$0] }
            guard !members.isEmpty else { continue }
            for member in members { index[member.name] = units.count }
            units.append(
                .group(VRRPSyncGroup(name: group.name, members: members, trackingWeight: group.trackingWeight)))
        }
        for instance in instances where index[instance.name] == nil {
            index[instance.name] = units.count
            units.append(.single(VRRPInstance(configuration: instance)))
        }
        self.units = units
        self.unitIndex = index
        self.scripts = scripts.map { VRRPScriptTracker(configuration: $0, now: now) }
    }

    /// The tracked-object name of an interface.
    public static func trackedName(interface name: String) -> String { "interface \(name)" }
    /// The tracked-object name of a `vrrp_script`.
    public static func trackedName(script name: String) -> String { "script \(name)" }

    /// Every instance, groups' members included, in configuration order of their units.
    public var instances: [VRRPInstance] {
        units.flatMap { unit -> [VRRPInstance] in
            switch unit {
            case .single(let instance): return [instance]
            case .group(let group): return group.members
            }
        }
    }

    /// The sync groups.
    public var groups: [VRRPSyncGroup] {
        units.compactMap { unit in
            if case .group(let group) = unit { return group }
            return nil
        }
    }

    public func instance(named name: String) -> VRRPInstance? {
        guard let index = unitIndex[name] else { return nil }
        switch units[index] {
        case .single(let instance): return instance
        case .group(let group): return group.member(named: name)
        }
    }

    /// The earliest instant at which `timersFired` has work.
    public var nextDeadline: MonotonicInstant? {
        let unitDeadlines = units.compactMap { unit -> MonotonicInstant? in
            switch unit {
            case .single(let instance): return instance.nextDeadline
            case .group(let group): return group.nextDeadline
            }
        }
        return (unitDeadlines + scripts.map(\.nextDeadline)).min()
    }

    public mutating func start(now: MonotonicInstant) -> [VRRPRouterAction] {
        var actions: [VRRPRouterAction] = []
        for index in units.indices {
            actions += apply(index, now: now, single: { $0.start(now: now) }, group: { $0.start(now: now) })
        }
        return actions + runScripts(now: now)
    }

    /// A valid advert for `instance` arrived from `sender`.
    public mutating func advertisementReceived(
        _ advert: VRRPAdvertisement, from sender: IPAddress, instance: String, now: MonotonicInstant
    ) -> [VRRPRouterAction] {
        guard let index = unitIndex[instance] else { return [] }
        return apply(
            index, now: now, single: { $0.advertisementReceived(advert, from: sender, now: now) },
            group: { $0.advertisementReceived(advert, from: sender, instance: instance, now: now) })
    }

    /// The receive checks dropped an advert addressed to `instance`.
    public mutating func advertisementRejected(_ rejection: VRRPCounters.Rejection, instance: String) {
        guard let index = unitIndex[instance] else { return }
        switch units[index] {
        case .single(var single):
            single.advertisementRejected(rejection)
            units[index] = .single(single)
        case .group(var group):
            group.advertisementRejected(rejection, instance: instance)
            units[index] = .group(group)
        }
    }

    /// An interface's link went up or down: every instance tracking it hears about it.
    public mutating func linkChanged(interface name: String, isUp: Bool, now: MonotonicInstant) -> [VRRPRouterAction] {
        trackedObjectChanged(name: Self.trackedName(interface: name), isUp: isUp, now: now)
    }

    /// A run of the `vrrp_script` `name` ended.
    public mutating func scriptFinished(
        _ name: String, runNumber: UInt64, outcome: VRRPScriptTracker.Outcome, now: MonotonicInstant
    ) -> [VRRPRouterAction] {
        guard let index = scripts.firstIndex(where: { $0.configuration.name == name }) else { return [] }
        let actions = scripts[index].resultReceived(runNumber: runNumber, outcome, now: now)
        return scriptActions(actions, script: name, now: now)
    }

    public mutating func timersFired(now: MonotonicInstant) -> [VRRPRouterAction] {
        var actions: [VRRPRouterAction] = runScripts(now: now)
        for index in units.indices {
            actions += apply(
                index, now: now, single: { $0.timersFired(now: now) }, group: { $0.timersFired(now: now) })
        }
        return actions
    }

    /// A clean stop of everything: masters resign with priority 0 and release their addresses.
    public mutating func stop(now: MonotonicInstant) -> [VRRPRouterAction] {
        var actions: [VRRPRouterAction] = []
        for index in units.indices {
            actions += apply(index, now: now, single: { $0.stop(now: now) }, group: { $0.stop(now: now) })
        }
        return actions
    }

    private mutating func runScripts(now: MonotonicInstant) -> [VRRPRouterAction] {
        var actions: [VRRPRouterAction] = []
        for index in scripts.indices where scripts[index].nextDeadline <= now {
            let name = scripts[index].configuration.name
            actions += scriptActions(scripts[index].timerFired(now: now), script: name, now: now)
        }
        return actions
    }

    private mutating func scriptActions(
        _ actions: [VRRPScriptTracker.Action], script: String, now: MonotonicInstant
    ) -> [VRRPRouterAction] {
        var result: [VRRPRouterAction] = []
        for action in actions {
            switch action {
            case .run(let runNumber):
                result.append(.runScript(script, runNumber: runNumber))
            case .terminate(let runNumber):
                result.append(.terminateScript(script, runNumber: runNumber))
            case .statusChanged(let name, let isOK):
                result += trackedObjectChanged(name: Self.trackedName(script: name), isUp: isOK, now: now)
            }
        }
        return result
    }

    private mutating func trackedObjectChanged(name: String, isUp: Bool, now: MonotonicInstant)
        -> [VRRPRouterAction]
    {
        var actions: [VRRPRouterAction] = []
        for index in units.indices {
            actions += apply(
                index, now: now, single: { $0.trackedObjectChanged(name: name, isUp: isUp, now: now) },
                group: { $0.trackedObjectChanged(name: name, isUp: isUp, now: now) })
        }
        return actions
    }

    private mutating func apply(
        _ index: Int, now: MonotonicInstant, single: (inout VRRPInstance) -> [VRRPAction],
        group: (inout VRRPSyncGroup) -> [VRRPSyncGroupAction]
    ) -> [VRRPRouterAction] {
        switch units[index] {
        case .single(var instance):
            let actions = single(&instance)
            units[index] = .single(instance)
            return actions.map { .instance(instance.name, $0) }
        case .group(var syncGroup):
            let actions = group(&syncGroup)
            units[index] = .group(syncGroup)
            return actions.map { tagged in
                if let member = tagged.instance { return .instance(member, tagged.action) }
                return .group(syncGroup.name, tagged.action)
            }
        }
    }
}

extension VRRPRouter {
    /// `new`, with every unit (standalone instance or sync group) and script whose configuration
    /// did not change carried over from `self` with its state, so that a reload changes only
    /// what it must; plus the actions of stopping the units that went or changed and starting
    /// the ones that came or changed.
    public func reconfigured(to new: VRRPRouter, now: MonotonicInstant) -> (VRRPRouter, [VRRPRouterAction]) {
        var result = new
        var stopping = self
        var actions: [VRRPRouterAction] = []
        var carried = Set<Int>()
        for (index, unit) in new.units.enumerated() {
            guard let old = units.firstIndex(where: { Self.sameConfiguration($0, unit) }) else { continue }
            result.units[index] = units[old]
            carried.insert(old)
        }
        for index in units.indices where !carried.contains(index) {
            actions += stopping.apply(index, now: now, single: { $0.stop(now: now) }, group: { $0.stop(now: now) })
        }
        for (index, tracker) in new.scripts.enumerated() {
            if let old = scripts.first(where: { $0.configuration == tracker.configuration }) {
                result.scripts[index] = old
            }
        }
        let startedNames = Set(carried.flatMap { Self.names(units[$0]) })
        for index in result.units.indices where !Self.names(result.units[index]).allSatisfy(startedNames.contains) {
            actions += result.apply(index, now: now, single: { $0.start(now: now) }, group: { $0.start(now: now) })
        }
        // Tracked objects whose state the carried-over units know reach the new ones too.
        for unit in units {
            for instance in Self.members(unit) {
                for (name, isUp) in instance.trackedUp {
                    actions += result.trackedObjectChanged(name: name, isUp: isUp, now: now)
                }
            }
        }
        return (result, actions)
    }

    static func members(_ unit: Unit) -> [VRRPInstance] {
        switch unit {
        case .single(let instance): return [instance]
        case .group(let group): return group.members
        }
    }

    static func names(_ unit: Unit) -> [String] { members(unit).map(\.name) }

    static func sameConfiguration(_ lhs: Unit, _ rhs: Unit) -> Bool {
        switch (lhs, rhs) {
        case (.single(let a), .single(let b)): return a.configuration == b.configuration
        case (.group(let a), .group(let b)):
            return a.name == b.name && a.members.map(\.configuration) == b.members.map(\.configuration)
        case (.single, .group), (.group, .single): return false
        }
    }
}
