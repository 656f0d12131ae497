import Glibc
import LVSConfig
import LVSCore
import LVSPacketEngine
import LVSVRRP

// VRRP beside the director (DESIGN.md §6a): started with the `--config` file's instances,
// reloaded with it, stopped first at shutdown so that the masters resign before the engines go.
// The data planes follow the instances: a virtual address whose instance is not master is left
// to the kernel by the packet engine (standby), and the proxy engine's listeners bind such
// addresses before they are local (IP_FREEBIND), so a takeover needs no rebind.
extension DirectorHost {
    /// Starts VRRP for `configuration`'s instances; nothing when it has none.
    func startVRRP(_ configuration: KeepalivedConfiguration) throws {
        guard !configuration.vrrpInstances.isEmpty else { return }
        let plan = try VRRPPlan(configuration, facts: SystemInterfaceFacts())
        // lvs_sync_daemon's instance (all the instances' addresses when it names none).
        let followed = configuration.globalDefinitions.lvsSyncDaemon?.vrrpInstance
        let instance = plan.instances.first { $0.machine.name == followed }
        let syncAddresses = Set((instance?.addresses ?? plan.instances.flatMap { $0.addresses }).map(\.address))
        lvsSyncDaemon.withLock { $0 = configuration.globalDefinitions.lvsSyncDaemon }
        let service = try VRRPService.start(
            plan, logger: logger, events: events,
            observer: { [weak self] standby in
                self?.vrrpStandbyChanged(standby)
                self?.followVRRPWithSync(standby: standby, instanceAddresses: syncAddresses)
            })
        vrrp.withLock { $0 = service }
        logger.notice("vrrp: \(plan.instances.count) instances started")
    }

    /// Before the configuration's first load: every VRRP address is standby (the instances start
    /// as backup), so the first plan the packet engine installs does not claim packets that a
    /// running master routes to this host as its real server (docs/director-real-server.md).
    func standbyUntilVRRPStarts(_ configuration: KeepalivedConfiguration) {
        guard packetEngine != nil, !configuration.vrrpInstances.isEmpty,
            let plan = try? VRRPPlan(configuration, facts: SystemInterfaceFacts())
        else { return }
        vrrpStandbyChanged(plan.managedAddresses)
    }

    /// A reloaded configuration's VRRP part: unchanged instances keep their state.
    func reloadVRRP(_ configuration: KeepalivedConfiguration) {
        guard let service = vrrp.withLock({ $0 }) else {
            if !configuration.vrrpInstances.isEmpty {
                logger.warning("vrrp: the reloaded configuration has vrrp_instance blocks: restart lvsd to start VRRP")
            }
            return
        }
        do {
            service.reload(try VRRPPlan(configuration, facts: SystemInterfaceFacts()))
        } catch {
            logger.error("vrrp: reload refused, the instances keep running as they were: \(error)")
        }
    }

    /// Resigns every master (priority 0), removes the addresses and waits for the STOP notifications.
    func stopVRRP() {
        let service = vrrp.withLock { service in
            defer { service = nil }
            return service
        }
        service?.stop()
    }

    /// The addresses this director must not serve now (their instance is not master).
    func vrrpStandbyChanged(_ standby: Set<IPAddress>) {
        let list = standby.sorted().map { "\($0)" }.joined(separator: ", ")
        logger.info("vrrp: standby addresses now [\(list)]")
        guard let packetEngine else { return }
        do {
            try packetEngine.setStandbyAddresses(standby)
        } catch {
            logger.error("vrrp: the packet engine could not follow: \(error)")
        }
    }
}

/// Interface addresses from getifaddrs.
struct SystemInterfaceFacts: VRRPInterfaceFacts {
    private let table = InterfaceChoice.interfaceAddresses()

    func addresses(of interface: String) -> [IPAddress]? {
        guard if_nametoindex(interface) != 0 else { return nil }
        return (table[interface] ?? []).map(\.address)
    }
}
