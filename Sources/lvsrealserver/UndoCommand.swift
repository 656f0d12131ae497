import ArgumentParser
import LVSPacket

/// `lvs-realserver undo`: removes the VIPs prepare added (and any given with --vip) and puts
/// back the sysctl values prepare recorded, then deletes the state file.
struct UndoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo", abstract: "Revert what prepare did, from its state file.")

    @OptionGroup var options: SetupOptions

    @Flag(help: "Print the commands it would run, change nothing.")
    var dryRun = false

    func validate() throws { try options.validateInterfaces() }

    /// The steps that revert `state`, plus the removal of extra VIPs named on the command line.
    static func steps(state: StateFile, extraVIPs: [VirtualAddress]) -> [SetupStep] {
        var removals = state.addresses.map { SetupStep.removeAddress($0.vip, device: $0.device) }
        for vip in extraVIPs where !state.addresses.contains(where: { $0.vip == vip }) {
            removals.append(.removeAddress(vip, device: SetupPlan.vipDevice))
        }
        return removals + state.originalValues.map { SetupStep.setSysctl($0.sysctl, value: $0.value) }
    }

    func run() throws {
        let state = try StateFile.load(from: options.stateFile)
        let steps = Self.steps(state: state, extraVIPs: options.vips)
        guard !steps.isEmpty else {
            throw HelperError("nothing to undo: no state file at \(options.stateFile) and no --vip given")
        }
        if dryRun {
            for step in steps { print(step) }
            return
        }
        guard SystemAccess.hasNetAdmin else { throw HelperError.needsRoot(to: "remove the VIP and restore sysctls") }
        var presentByDevice: [String: Set<WireAddress>] = [:]
        for step in steps {
            switch step {
            case .removeAddress(let vip, let device):
                if presentByDevice[device] == nil { presentByDevice[device] = try SystemAccess.addresses(on: device) }
                guard presentByDevice[device]?.contains(vip.address) == true else {
                    print("already: \(vip.cidr) not on \(device)")
                    continue
                }
                try SystemAccess.runIP(["address", "del", vip.cidr, "dev", device])
                print("done: \(step)")
            case .setSysctl(let sysctl, let value):
                guard SystemAccess.read(sysctl) != nil else {
                    print("skipped: \(sysctl.name) no longer exists")
                    continue
                }
                try SystemAccess.write(sysctl, value: value)
                print("done: \(step)")
            case .addAddress, .bringUp:
                // Undo only removes and restores; the tunnel device is left as the kernel had it.
                continue
            }
        }
        StateFile.remove(at: options.stateFile)
    }
}
