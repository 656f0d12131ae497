import Foundation
import LVSConfig
import LVSCore
import LVSPacket
import LVSVRRP
import LVSVRRPTransport

// Carrying out the router's actions: adverts, addresses, announcements, notifications, scripts.
extension VRRPLoop {
    mutating func perform(_ actions: [VRRPRouterAction], now: MonotonicInstant) {
        claimBeforeAdding(actions)
        for action in actions {
            switch action {
            case .instance(let name, let action):
                perform(action, instance: name, now: now)
            case .group(let name, let action):
                performGroup(action, group: name)
            case .runScript(let name, let runNumber):
                runScript(name, runNumber: runNumber)
            case .terminateScript(let name, let runNumber):
                if let running = scriptProcesses[name], running.runNumber == runNumber {
                    logger.warning("vrrp_script \(name) timed out: killed")
                    kill(running.process.processIdentifier, SIGKILL)
                }
            }
        }
        updateStandby()
    }

    private mutating func perform(_ action: VRRPAction, instance name: String, now: MonotonicInstant) {
        guard let runtime = runtimes[name] else { return }
        switch action {
        case .sendAdvertisement(let advert):
            send(advert, instance: name)
        case .addVirtualAddresses(let list):
            for address in runtime.plan.addresses where list.contains(address.address) {
                program(address, add: true)
                held.insert(address.address)
            }
        case .removeVirtualAddresses(let list):
            for address in runtime.plan.addresses where list.contains(address.address) {
                program(address, add: false)
                held.remove(address.address)
            }
        case .sendGratuitousAnnouncements(let list, let repeatCount, let spacing):
            for round in 0..<max(1, repeatCount) {
                let due = now.adding(nanoseconds: UInt64(round) * Self.nanoseconds(spacing))
                for address in runtime.plan.addresses where list.contains(address.address) {
                    announcements.append(Announcement(due: due, address: address.address, device: address.device))
                }
            }
            sendDueAnnouncements(now: now)
        case .stateChanged(let transition):
            transitions[name] = transition
            logger.notice("vrrp: VRRP_Instance(\(name)) \(transition)")
            service.events?.record(.vrrp, "VRRP_Instance(\(name)) \(transition)", fields: ["instance": name])
        case .runNotify(let notification):
            notify(notification, scripts: runtime.plan.notify, queue: name)
        case .report(let anomaly):
            logger.warning("vrrp: VRRP_Instance(\(name)) \(Self.describe(anomaly))")
            if case .lowerPriorityAdvertisementAsMaster = anomaly {
                receivedLowerPriority(instance: name, runtime: runtime)
            }
        }
    }

    /// keepalived's `notify_master_rx_lower_pri`: the script (no arguments), and the FIFO line
    /// `INSTANCE "NAME" MASTER_RX_LOWER_PRI PRIORITY` (vrrp_notify.c, send_event_notify).
    private mutating func receivedLowerPriority(instance name: String, runtime: Runtime) {
        if let script = runtime.plan.notify.masterReceivedLowerPriority {
            let queue = notifyQueues[name] ?? VRRPNotifyQueue(name: name, logger: logger)
            notifyQueues[name] = queue
            queue.enqueue([(script, [])], defaultUser: plan.scriptUser, why: "\(name) heard a lower priority as master")
        }
        let priority = router.instance(named: name)?.effectivePriority ?? 0
        fifo?.write(line: "INSTANCE \"\(name)\" MASTER_RX_LOWER_PRI \(priority)")
    }

    private mutating func performGroup(_ action: VRRPAction, group name: String) {
        switch action {
        case .stateChanged(let transition):
            groupTransitions[name] = transition
            logger.notice("vrrp: VRRP_Group(\(name)) \(transition)")
            service.events?.record(.vrrp, "VRRP_Group(\(name)) \(transition)", fields: ["group": name])
        case .runNotify(let notification):
            let scripts = plan.groups.first { $0.machine.name == name }?.notify ?? VRRPNotifyScripts()
            notify(notification, scripts: scripts, queue: "group-\(name)")
        case .report(let anomaly):
            logger.warning("vrrp: VRRP_Group(\(name)) \(Self.describe(anomaly))")
        case .sendAdvertisement, .addVirtualAddresses, .removeVirtualAddresses, .sendGratuitousAnnouncements:
            break
        }
    }

    /// Encodes and sends one advert to every destination of the instance.
    mutating func send(_ advert: VRRPAdvertisement, instance name: String) {
        guard var runtime = runtimes[name] else { return }
        var advert = advert
        // The state machine knows the kind of authentication; the secret is the plan's.
        advert.authentication = runtime.expectations.authentication
        let source = runtime.plan.source
        for destination in runtime.socket.destinations {
            do {
                let bytes: [UInt8]
                switch source.family {
                case .inet:
                    runtime.identification = runtime.identification == UInt16.max ? 1 : runtime.identification + 1
                    if case .authenticationHeader = advert.authentication { runtime.sequenceNumber &+= 1 }
                    bytes = try VRRPIPv4Packet.build(
                        advert, source: source, destination: destination, identification: runtime.identification,
                        sequenceNumber: runtime.sequenceNumber, timeToLive: 255,
                        unicast: runtime.plan.machine.usesUnicastPeers,
                        v3ChecksumAsV2: runtime.plan.v3ChecksumAsV2)
                case .inet6:
                    bytes = try advert.encodedMessage(
                        source: source, destination: destination, v3ChecksumAsV2: runtime.plan.v3ChecksumAsV2)
                }
                try runtime.socket.send(bytes, to: destination)
            } catch {
                // keepalived (vrrp.c) keeps quiet about a resignation that cannot leave because
                // the interface is down: that is why the instance faulted, not a new problem.
                if advert.priority == 0, let failure = error as? VRRPTransportError, failure.code == ENETUNREACH,
                    (try? links.linkState(named: runtime.plan.socket.interfaceName).isUsable) != true
                {
                    logger.debug(
                        "vrrp: VRRP_Instance(\(name)) resignation not sent, \(runtime.plan.socket.interfaceName) is down"
                    )
                    continue
                }
                logger.error("vrrp: VRRP_Instance(\(name)) cannot send an advert to \(destination): \(error)")
            }
        }
        runtimes[name] = runtime
    }

    /// Adds or removes one virtual address; an address already there (or already gone) is fine.
    func program(_ address: VRRPPlan.Address, add: Bool) {
        do {
            let index = try links.linkState(named: address.device).interfaceIndex
            let entry = InterfaceAddress(
                address: address.address, prefixLength: address.prefixLength, interfaceIndex: index,
                label: address.label, broadcast: address.broadcast, scope: address.scope,
                flags: address.address.family == .inet6 ? InterfaceAddress.noDuplicateAddressDetection : 0)
            let change = add ? try addresses.add(entry) : try addresses.remove(entry)
            logger.info("vrrp: \(address.address)/\(address.prefixLength) dev \(address.device): \(change)")
        } catch {
            logger.error(
                "vrrp: cannot \(add ? "add" : "remove") \(address.address)/\(address.prefixLength) dev \(address.device): \(error)"
            )
        }
    }

    mutating func sendDueAnnouncements(now: MonotonicInstant) {
        let due = announcements.filter { $0.due <= now }
        guard !due.isEmpty else { return }
        announcements.removeAll { $0.due <= now }
        for announcement in due {
            do {
                let link = try links.linkState(named: announcement.device)
                guard let mac = link.mac else { continue }
                if announcement.address.family == .inet {
                    try announcer.announceIPv4(announcement.address, interfaceIndex: link.interfaceIndex, mac: mac)
                } else {
                    try announcer.announceIPv6(
                        announcement.address, interfaceIndex: link.interfaceIndex, mac: mac,
                        router: NeighbourAnnouncer.isIPv6Forwarding(interfaceName: announcement.device))
                }
            } catch {
                logger.warning("vrrp: cannot announce \(announcement.address) on \(announcement.device): \(error)")
            }
        }
    }

    /// keepalived's notify order: `notify_<state>`, then `notify` with its four arguments, then
    /// the FIFO line; never two at once for one instance or group.
    private mutating func notify(_ notification: VRRPNotification, scripts: VRRPNotifyScripts, queue name: String) {
        var run: [(ScriptCommand, [String])] = []
        let specific: ScriptCommand?
        switch notification.state {
        case .master: specific = scripts.master
        case .backup: specific = scripts.backup
        case .fault: specific = scripts.fault
        case .stopped: specific = scripts.stop
        case .initialize: specific = nil
        }
        if let specific { run.append((specific, [])) }
        if let any = scripts.any { run.append((any, notification.arguments)) }
        let queue = notifyQueues[name] ?? VRRPNotifyQueue(name: name, logger: logger)
        notifyQueues[name] = queue
        queue.enqueue(
            run, defaultUser: plan.scriptUser,
            why: "\(notification.scope.rawValue) \(notification.name) is \(notification.state)")
        fifo?.write(notification)
    }

    private mutating func runScript(_ name: String, runNumber: UInt64) {
        guard let script = plan.scripts.first(where: { $0.tracker.name == name }) else { return }
        let service = self.service
        do {
            let process = try VRRPScriptLauncher.launch(script.command, defaultUser: plan.scriptUser) { status in
                service.post(.scriptEnded(name: name, runNumber: runNumber, status: status))
            }
            scriptProcesses[name] = (runNumber, process)
        } catch {
            logger.error("vrrp_script \(name) could not start: \(error)")
            service.post(.scriptEnded(name: name, runNumber: runNumber, status: 127))
        }
    }

    /// The data planes take the addresses a batch adds before they are on the interface and
    /// announced: a new master's gratuitous ARP draws the clients' packets at once, and those
    /// of established connections (retransmissions, synced from the old master) must meet the
    /// packet engine, not the kernel's stack, which would reset them. Releasing waits for
    /// `updateStandby` after the batch, when the addresses are gone.
    private mutating func claimBeforeAdding(_ actions: [VRRPRouterAction]) {
        var gained = Set<IPAddress>()
        for case .instance(_, .addVirtualAddresses(let list)) in actions { gained.formUnion(list) }
        guard !gained.isEmpty else { return }
        let standby = plan.managedAddresses.subtracting(held).subtracting(gained)
        guard standby != lastStandby else { return }
        lastStandby = standby
        observer(standby)
    }

    /// Tells the data planes which managed addresses are not ours to serve now.
    mutating func updateStandby() {
        let standby = plan.managedAddresses.subtracting(held)
        guard standby != lastStandby else { return }
        lastStandby = standby
        observer(standby)
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    static func describe(_ anomaly: VRRPAnomaly) -> String {
        switch anomaly {
        case .equalPriorityFromOwnAddress(let address):
            return
                "received an advert with our priority from our own address \(address): check for a loop or an address clash"
        case .duplicateAddressOwner(let address):
            return "\(address) also claims to be the address owner (priority 255)"
        case .ownerPriorityLowered(let rival):
            return "lowered our priority to 254: \(rival) keeps advertising as address owner"
        case .lowerPriorityAdvertisementAsMaster(let address, let priority):
            return "as master, received a lower-priority (\(priority)) advert from \(address)"
        }
    }
}
