import ArgumentParser

/// `lvs-realserver prepare`: puts the VIPs on lo and sets the ARP and reverse-path sysctls
/// (reference §5.2, §5.3), recording what it changed for `undo`. Idempotent: what is already in
/// place is left alone and reported.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare", abstract: "Configure the VIPs and sysctls direct routing or tunnelling needs.")

    @OptionGroup var options: SetupOptions

    @Flag(help: "Print the commands it would run, change nothing.")
    var dryRun = false

    func validate() throws {
        guard !options.vips.isEmpty else { throw ValidationError("give at least one --vip") }
        try options.validateInterfaces()
    }

    func run() throws {
        let plan = options.plan
        if dryRun {
            for step in plan.steps { print(step) }
            printFollowUp(plan)
            return
        }
        guard SystemAccess.hasNetAdmin else { throw HelperError.needsRoot(to: "add the VIP to lo and set sysctls") }
        var state = try StateFile.load(from: options.stateFile)
        let present = try SystemAccess.addresses(on: SetupPlan.vipDevice)
        // Save after every change so that a failure half-way still leaves an undo record.
        for vip in plan.vips {
            if present.contains(vip.address) {
                print("already: \(vip.cidr) on \(SetupPlan.vipDevice)")
                continue
            }
            try SystemAccess.runIP(["address", "add", vip.cidr, "dev", SetupPlan.vipDevice])
            state.recordAdded(vip, device: SetupPlan.vipDevice)
            try state.save(to: options.stateFile)
            print("done: \(SetupStep.addAddress(vip, device: SetupPlan.vipDevice))")
        }
        for device in plan.devicesUp {
            if SystemAccess.deviceIsUp(device) {
                print("already: \(device) up")
                continue
            }
            try SystemAccess.runIP(["link", "set", "dev", device, "up"])
            print("done: \(SetupStep.bringUp(device: device))")
        }
        for requirement in plan.requirements {
            guard let current = SystemAccess.read(requirement.sysctl) else {
                throw HelperError("\(requirement.sysctl.name) does not exist (is the interface name right?)")
            }
            if current == requirement.value {
                print("already: \(requirement.sysctl.name) = \(current)")
                continue
            }
            state.recordOriginal(requirement.sysctl, value: current)
            try state.save(to: options.stateFile)
            try SystemAccess.write(requirement.sysctl, value: requirement.value)
            print("done: \(SetupStep.setSysctl(requirement.sysctl, value: requirement.value)) (was \(current))")
        }
        printFollowUp(plan)
    }

    private func printFollowUp(_ plan: SetupPlan) {
        guard options.method == .tun, plan.devicesUp.isEmpty else { return }
        let vips = plan.vips.map { "--vip \($0)" }.joined(separator: " ")
        print("note: this kernel has no ipip module; run `lvs-realserver decap \(vips)` to decapsulate in user space")
    }
}
