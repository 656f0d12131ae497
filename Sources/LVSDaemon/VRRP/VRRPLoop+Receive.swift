import Foundation
import LVSControl
import LVSCore
import LVSVRRP
import LVSVRRPTransport

// The receive side: adverts through the codec's checks into the router; link state; the
// report; set-up and clean-up of addresses and VMACs.
extension VRRPLoop {
    /// Reads every datagram queued on the instance's socket.
    mutating func receive(instance name: String, now: MonotonicInstant) {
        while let runtime = runtimes[name] {
            let datagram: VRRPReceivedDatagram
            do {
                guard let next = try runtime.socket.receive() else { return }
                datagram = next
            } catch {
                logger.warning("vrrp: VRRP_Instance(\(name)) receive failed: \(error)")
                return
            }
            let verdict: VRRPReceiveVerdict
            switch runtime.plan.source.family {
            case .inet:
                verdict = VRRPReceiveCheck.check(ipv4: datagram.bytes, against: runtime.expectations)
            case .inet6:
                do {
                    let message = try VRRPMessage(parsing: datagram.bytes, family: .inet6)
                    verdict = VRRPReceiveCheck.check(
                        VRRPReceivedPacket(
                            ipv6Source: datagram.source, destination: datagram.destination,
                            hopLimit: datagram.hopLimit, message: message), against: runtime.expectations)
                } catch {
                    verdict = .dropped(error)
                }
            }
            switch verdict {
            case .accepted(let advert, let sequenceNumber):
                if let sequenceNumber { runtimes[name]?.expectations.lastSequenceNumber = sequenceNumber }
                perform(router.advertisementReceived(advert, from: datagram.source, instance: name, now: now), now: now)
            case .notOurs:
                continue
            case .dropped(let reason):
                runtimes[name]?.drops[reason.name, default: 0] += 1
                if let rejection = Self.rejection(for: reason) {
                    router.advertisementRejected(rejection, instance: name)
                }
                if loggedDrops.insert("\(name) \(datagram.source) \(reason.name)").inserted {
                    logger.warning(
                        "vrrp: VRRP_Instance(\(name)) dropped an advert from \(datagram.source): \(reason.name) (logged once per sender and reason)"
                    )
                }
            }
        }
    }

    /// keepalived's `vrrp_stats` counter a drop reason also counts in.
    static func rejection(for reason: VRRPDropReason) -> VRRPCounters.Rejection? {
        switch reason {
        case .truncated, .tooLong: return .packetLength
        case .badTTL: return .ttl
        case .badType: return .invalidType
        case .badAuthType: return .authenticationTypeMismatch
        case .badPassword, .badAH, .staleSequenceNumber: return .authenticationFailure
        case .intervalMismatch: return .advertisementInterval
        case .addressMismatch: return .addressList
        case .malformed, .badVersion, .badChecksum, .destinationMismatch, .unknownSource: return nil
        }
    }

    /// The tracked interfaces' names (those of `interface NAME` tracked objects).
    var trackedInterfaces: Set<String> {
        let prefix = VRRPRouter.trackedName(interface: "")
        return Set(
            plan.instances.flatMap { $0.machine.trackedObjects.map(\.name) }.filter { $0.hasPrefix(prefix) }.map {
                String($0.dropFirst(prefix.count))
            })
    }

    /// Reads every tracked interface's link state and hands it to the router.
    mutating func readAllLinks(now: MonotonicInstant) {
        for name in trackedInterfaces.sorted() {
            let isUp = (try? links.linkState(named: name))?.isUsable ?? false
            perform(router.linkChanged(interface: name, isUp: isUp, now: now), now: now)
        }
    }

    mutating func readLinkEvents(now: MonotonicInstant) {
        let events: [LinkEvent]
        do {
            events = try linkMonitor.readEvents()
        } catch {
            // Events were lost (ENOBUFS): read every tracked interface again.
            readAllLinks(now: now)
            return
        }
        let tracked = trackedInterfaces
        for event in events where tracked.contains(event.state.name) {
            perform(router.linkChanged(interface: event.state.name, isUp: event.isUp, now: now), now: now)
        }
    }

    /// Virtual addresses an earlier run left on the interfaces (it crashed, or was killed):
    /// removed before the instance starts, so that only a master holds them.
    func removeLeftovers(_ instance: VRRPPlan.Instance) {
        for address in instance.addresses {
            guard let index = try? links.linkState(named: address.device).interfaceIndex,
                let present = try? addresses.addresses(onInterface: index),
                present.contains(where: { $0.address == address.address })
            else { continue }
            logger.notice(
                "vrrp: VRRP_Instance(\(instance.machine.name)) removing \(address.address) from \(address.device), left by an earlier run"
            )
            program(address, add: false)
        }
    }

    func createVirtualMAC(_ instance: VRRPPlan.Instance) throws {
        guard let vmac = instance.virtualMAC else { return }
        let manager = VirtualMACManager()
        if let existing = try? links.linkState(named: vmac.name) {
            try? manager.delete(interfaceIndex: existing.interfaceIndex)
        }
        let parent = try links.linkState(named: instance.interface)
        _ = try manager.create(name: vmac.name, parentIndex: parent.interfaceIndex, mac: vmac.mac)
        logger.info("vrrp: VRRP_Instance(\(instance.machine.name)) created \(vmac.name) with MAC \(vmac.mac)")
    }

    func deleteVirtualMAC(_ instance: VRRPPlan.Instance) {
        guard let vmac = instance.virtualMAC, let link = try? links.linkState(named: vmac.name) else { return }
        try? VirtualMACManager().delete(interfaceIndex: link.interfaceIndex)
    }

    /// Publishes the report's data for `lvsadm --vrrp`.
    func publish() {
        var snapshot = VRRPSnapshot()
        snapshot.running = !plan.isEmpty
        let groupOf = Dictionary(
            plan.groups.flatMap { group in group.machine.members.map { ($0, group.machine.name) } },
            uniquingKeysWith: { first, _ in first })
        for instance in plan.instances {
            guard let machine = router.instance(named: instance.machine.name) else { continue }
            let configuration = machine.configuration
            snapshot.instances.append(
                VRRPInstanceReport(
                    name: machine.name, interface: instance.interface,
                    virtualRouterID: Int(configuration.virtualRouterID),
                    version: Int(configuration.version.rawValue), state: machine.state.description,
                    priority: Int(configuration.priority), effectivePriority: Int(machine.effectivePriority),
                    advertisementInterval: Double(configuration.advertisementIntervalCentiseconds) / 100,
                    masterAdvertisementInterval: Double(machine.masterAdvertisementIntervalCentiseconds) / 100,
                    masterAddress: machine.currentMaster.map { "\($0)" }, sourceAddress: "\(instance.source)",
                    virtualAddresses: instance.addresses.map { "\($0.address)/\($0.prefixLength) dev \($0.device)" },
                    syncGroup: groupOf[machine.name], lastTransition: nil,
                    counters: VRRPSnapshot.counters(machine.counters), drops: runtimes[machine.name]?.drops ?? [:]))
        }
        for group in router.groups {
            snapshot.groups.append(
                VRRPSyncGroupReport(
                    name: group.name, state: group.state.description, members: group.members.map(\.name),
                    lastTransition: nil))
        }
        snapshot.transitions = transitions
        snapshot.groupTransitions = groupTransitions
        service.publish(snapshot)
    }
}
